"""A verifiable re-encryption shuffle of ciphertext vectors: the Terelius-Wikström proof of
a shuffle, as written out by Haenni, Locher, Koenig and Dubuis, "Pseudo-Code Algorithms for
Verifiable Re-Encryption Mix-Nets" (FC 2017 workshops): GenShuffle, GenPermutationCommitment,
GenCommitmentChain, GenShuffleProof and CheckShuffleProof, over crypto.py's group (additive
notation below: the paper's g^x is x·G, a product is a sum). Belenios, CHVote and
Verificatum prove their shuffles this way.

Notation. N ballots, each a vector of w ciphertexts e_{j,k} = (A, B) = (r·G, r·Y + m·G).
Output i is input π(i) re-encrypted: e'_{i,k} = (A_{π(i),k} + r'_{i,k}·G, B_{π(i),k} +
r'_{i,k}·Y), with independent r' per component and the same π for all components.

- Generators h, h_1..h_N: hash to the group (libsodium's crypto_core_ed25519_from_uniform,
  Elligator 2 then cofactor clearing) of SHA-256(label, context, index), so nobody knows a
  discrete logarithm between them or to G. Anyone recomputes them from the context.
- Permutation commitment: c_{π(i)} = r_{π(i)}·G + h_i.
- Challenges u_j = H(statement, j), the statement being the key, the context, every input,
  every output and the commitments c (Fiat-Shamir in its strong form); u'_i = u_{π(i)}.
- Commitment chain: ĉ_0 = h, ĉ_i = r̂_i·G + u'_i·ĉ_{i-1}.
- The proof shows, with one challenge c = H(statement, ĉ, t) and responses s = w - c·secret:
  Σc_j - Σh_i = r̄·G (t_1); ĉ_N - (Πu_j)·h = r̂·G with r̂ = Σ r̂_i·Π_{l>i}u'_l (t_2);
  Σu_j·c_j = r_u·G + Σu'_i·h_i (t_3, responses s_3 and s'_i); ĉ_i = r̂_i·G + u'_i·ĉ_{i-1}
  (t̂_i, responses ŝ_i and the same s'_i); and the re-encryption equation.

Vectors. The paper's re-encryption equation for one ciphertext per ballot, Σu'_i·e'_i =
Σu_j·e_j + r̃'·(G, Y) with r̃' = Σu'_i·r'_i, becomes one equation per component k:
Σu'_i·e'_{i,k} = Σu_j·e_{j,k} + r̃'_k·(G, Y), r̃'_k = Σ_i u'_i·r'_{i,k}. Each has its own
commitments t_{4,k} = (-w_{4,k}·G + Σw'_i·A'_{i,k}, -w_{4,k}·Y + Σw'_i·B'_{i,k}) and its
own response s_{4,k} = w_{4,k} - c·r̃'_k, but all share the responses s'_i = w'_i - c·u'_i,
which tie every component to the one committed permutation (as Verificatum does for
ciphertext vectors). A component moved to another ballot, or re-encrypted with a different
message, breaks its equation.

The proof is published as (c, ĉ, challenge, responses): 32·(4N + 4 + w) bytes; the
verifier recomputes every t and the challenge. The permutation, r' and every nonce exist only
inside `shuffle` (Python cannot wipe memory; they are never stored, returned or logged).
"""

import hashlib
import secrets
from collections.abc import Sequence

from nacl import bindings as sodium

from coop.ballots import crypto
from coop.ballots.crypto import ORDER, Ciphertext, CryptoError

Vector = Sequence[Ciphertext]


def generators(context: bytes, count: int) -> list[bytes]:
    """h, h_1..h_count: independent generators for this context, nobody knowing a discrete
    logarithm between any two of them or to G."""
    prefix = b"coop shuffle generator\x00" + len(context).to_bytes(4, "big") + context
    points = []
    for index in range(count + 1):
        digest = hashlib.sha256(prefix + index.to_bytes(8, "big")).digest()
        points.append(crypto.valid_point(sodium.crypto_core_ed25519_from_uniform(digest)))
    return points


def _number(value: bytes) -> int:
    return int.from_bytes(value, "little")


def _random() -> int:
    return _number(crypto.random_scalar())


def _base(number: int) -> bytes:
    return crypto.base_times(crypto.scalar(number))


def _times(number: int, point: bytes) -> bytes:
    return crypto.times(crypto.scalar(number), point)


def _sum(points: Sequence[bytes]) -> bytes:
    total = crypto.IDENTITY
    for point in points:
        total = crypto.add(total, point)
    return total


def _weighted(numbers: Sequence[int], points: Sequence[bytes]) -> bytes:
    """Σ numbers_i·points_i (libsodium has no multi-scalar multiplication)."""
    return _sum([_times(n, p) for n, p in zip(numbers, points, strict=True)])


def _vectors(ballots: Sequence[Vector]) -> bytes:
    return b"".join(part.to_bytes() for ballot in ballots for part in ballot)


def _challenges(
    public: bytes, context: bytes, inputs: Sequence[Vector], outputs: Sequence[Vector],
    commitments: Sequence[bytes],
) -> tuple[bytes, list[int]]:  # fmt: skip
    """The statement's hash and GetChallenges' u_1..u_N from it."""
    size = len(inputs).to_bytes(4, "big") + len(inputs[0]).to_bytes(4, "big")
    statement = crypto.challenge(
        b"coop shuffle statement", context, public, size, _vectors(inputs), _vectors(outputs),
        b"".join(commitments),
    )  # fmt: skip
    return statement, [
        _number(crypto.challenge(b"coop shuffle u", statement, j.to_bytes(4, "big")))
        for j in range(len(inputs))
    ]


def _proof_challenge(statement: bytes, chain: Sequence[bytes], t: Sequence[bytes]) -> bytes:
    return crypto.challenge(b"coop shuffle proof", statement, b"".join(chain), *t)


def shuffle(
    public: bytes, ballots: Sequence[Vector], context: bytes
) -> tuple[list[list[Ciphertext]], bytes]:
    """GenShuffle and GenShuffleProof: the re-encrypted, permuted ballots and the proof."""
    n = len(ballots)
    if n == 0:
        return [], b""
    w = len(ballots[0])
    if w == 0 or any(len(ballot) != w for ballot in ballots):
        raise CryptoError("every ballot has the same number of components")
    order = list(range(n))  # output i is input order[i]
    secrets.SystemRandom().shuffle(order)
    rho = [[_random() for _ in range(w)] for _ in range(n)]
    outputs = [
        [
            Ciphertext(
                crypto.add(e.a, _base(rho[i][k])), crypto.add(e.b, _times(rho[i][k], public))
            )
            for k, e in enumerate(ballots[order[i]])
        ]
        for i in range(n)
    ]
    return outputs, _prove(public, ballots, outputs, order, rho, context)


def _prove(
    public: bytes, ballots: Sequence[Vector], outputs: Sequence[Vector], order: list[int],
    rho: list[list[int]], context: bytes,
) -> bytes:  # fmt: skip
    """GenShuffleProof, for output i = input order[i] re-encrypted with rho[i]."""
    n, w = len(ballots), len(ballots[0])
    h, *hs = generators(context, n)
    r = [0] * n
    commitments = [b""] * n
    for i, j in enumerate(order):  # GenPermutationCommitment
        r[j] = _random()
        commitments[j] = crypto.add(_base(r[j]), hs[i])
    statement, u = _challenges(public, context, ballots, outputs, commitments)
    u_out = [u[j] for j in order]
    r_hat = [_random() for _ in range(n)]
    chain = []  # GenCommitmentChain
    previous = h
    for i in range(n):
        previous = crypto.add(_base(r_hat[i]), _times(u_out[i], previous))
        chain.append(previous)

    w1, w2, w3 = _random(), _random(), _random()
    w4 = [_random() for _ in range(w)]
    w_hat = [_random() for _ in range(n)]
    w_prime = [_random() for _ in range(n)]
    t = [_base(w1), _base(w2), crypto.add(_base(w3), _weighted(w_prime, hs))]
    for k in range(w):
        t.append(crypto.add(_base(-w4[k]), _weighted(w_prime, [o[k].a for o in outputs])))
        t.append(crypto.add(_times(-w4[k], public), _weighted(w_prime, [o[k].b for o in outputs])))
    for i in range(n):
        t.append(crypto.add(_base(w_hat[i]), _times(w_prime[i], chain[i - 1] if i else h)))
    c = _number(_proof_challenge(statement, chain, t))

    v = [1] * n  # v_i = Π_{l>i} u'_l
    for i in range(n - 1, 0, -1):
        v[i - 1] = u_out[i] * v[i] % ORDER
    responses = [
        w1 - c * sum(r),
        w2 - c * sum(a * b for a, b in zip(r_hat, v, strict=True)),
        w3 - c * sum(a * b for a, b in zip(r, u, strict=True)),
        *(w4[k] - c * sum(u_out[i] * rho[i][k] for i in range(n)) for k in range(w)),
        *(w_hat[i] - c * r_hat[i] for i in range(n)),
        *(w_prime[i] - c * u_out[i] for i in range(n)),
    ]
    proof = b"".join(commitments) + b"".join(chain) + crypto.scalar(c)
    return proof + b"".join(crypto.scalar(s) for s in responses)


def verify(
    public: bytes, inputs: Sequence[Vector], outputs: Sequence[Vector], proof: bytes,
    context: bytes,
) -> bool:  # fmt: skip
    """CheckShuffleProof: whether the outputs are a permutation of re-encryptions of the
    inputs. Points of the ballots and the key must have been checked by the caller."""
    n = len(inputs)
    if len(outputs) != n:
        return False
    if n == 0:
        return proof == b""
    w = len(inputs[0])
    if w == 0 or any(len(ballot) != w for ballot in [*inputs, *outputs]):
        return False
    if len(proof) != 32 * (4 * n + 4 + w):
        return False
    try:
        words = [proof[32 * i : 32 * (i + 1)] for i in range(len(proof) // 32)]
        commitments = [crypto.valid_point(p) for p in words[:n]]
        chain = [crypto.valid_point(p) for p in words[n : 2 * n]]
        c, s1, s2, s3, *rest = (_number(crypto._canonical_scalar(s)) for s in words[2 * n :])
    except CryptoError:
        return False
    s4, s_hat, s_prime = rest[:w], rest[w : w + n], rest[w + n :]
    h, *hs = generators(context, n)
    statement, u = _challenges(public, context, inputs, outputs, commitments)

    product = 1
    for value in u:
        product = product * value % ORDER
    c_bar = crypto.sub(_sum(commitments), _sum(hs))
    c_hat = crypto.sub(chain[-1], _times(product, h))
    c_tilde = _weighted(u, commitments)
    t = [
        crypto.add(_base(s1), _times(c, c_bar)),
        crypto.add(_base(s2), _times(c, c_hat)),
        _sum([_times(c, c_tilde), _base(s3), _weighted(s_prime, hs)]),
    ]
    for k in range(w):
        a_tilde = _weighted([c * x for x in u], [e[k].a for e in inputs])
        b_tilde = _weighted([c * x for x in u], [e[k].b for e in inputs])
        t.append(_sum([a_tilde, _base(-s4[k]), _weighted(s_prime, [o[k].a for o in outputs])]))
        t.append(
            _sum([b_tilde, _times(-s4[k], public), _weighted(s_prime, [o[k].b for o in outputs])])
        )
    for i in range(n):
        t.append(
            _sum(
                [_times(c, chain[i]), _base(s_hat[i]), _times(s_prime[i], chain[i - 1] if i else h)]
            )
        )
    return crypto.scalar(c) == _proof_challenge(statement, chain, t)
