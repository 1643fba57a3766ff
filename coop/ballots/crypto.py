"""Exponential ElGamal with zero-knowledge proofs, as in Helios and ElectionGuard, over the
prime-order group of Curve25519 (Edwards form) as libsodium implements it (PyNaCl's
crypto_core_ed25519_* and crypto_scalarmult_ed25519_*_noclamp). Nothing here is a new
primitive: the group arithmetic is libsodium's; the constructions are the textbook ones.

- Key: secret x, public Y = x·G.
- A ballot encrypts the weight w of one choice: (A, B) = (r·G, r·Y + w·G). Ciphertexts add
  up component-wise to an encryption of the sum of the weights, so only totals are ever
  decrypted.
- Ballot proof: a disjunctive Chaum-Pedersen proof (Cramer, Damgård and Schoenmakers, 1994)
  that (A, B) encrypts one of the allowed weights, made non-interactive by Fiat-Shamir
  over the whole statement and the vote's context (the "strong" form: Bernhard, Pereira and
  Warinschi, "How not to prove yourself", 2012, found the weak form in Helios).
- Decryption proof: a Chaum-Pedersen proof that the partial decryption D = x·A uses the same
  x as Y = x·G; the total is then M = B - D = (sum of weights)·G, whose small discrete
  logarithm gives the counts.

Every point that comes from outside is checked with crypto_core_ed25519_is_valid_point
(canonical encoding, on the curve, in the prime-order subgroup, not of small order), and
every scalar must be canonical (below the group order), so that proofs are not malleable.
"""

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from nacl import bindings as sodium
from nacl.exceptions import RuntimeError as SodiumError

ORDER = 2**252 + 27742317777372353535851937790883648493  # the prime order of the group
IDENTITY = b"\x01" + bytes(31)
POINT_SIZE = SCALAR_SIZE = 32


class CryptoError(ValueError):
    """A point, scalar or proof that does not check out."""


def scalar(number: int) -> bytes:
    return (number % ORDER).to_bytes(SCALAR_SIZE, "little")


def random_scalar() -> bytes:
    return sodium.crypto_core_ed25519_scalar_reduce(os.urandom(64))


def _canonical_scalar(value: bytes) -> bytes:
    if len(value) != SCALAR_SIZE or int.from_bytes(value, "little") >= ORDER:
        raise CryptoError("not a canonical scalar")
    return value


def valid_point(value: bytes) -> bytes:
    if len(value) != POINT_SIZE or not sodium.crypto_core_ed25519_is_valid_point(value):
        raise CryptoError("not a point of the prime-order group")
    return value


def base_times(number: bytes) -> bytes:
    """number·G, the identity for zero (libsodium refuses to return the identity)."""
    if number == bytes(SCALAR_SIZE):
        return IDENTITY
    return sodium.crypto_scalarmult_ed25519_base_noclamp(number)


def times(number: bytes, point: bytes) -> bytes:
    if point == IDENTITY or number == bytes(SCALAR_SIZE):
        return IDENTITY
    try:
        return sodium.crypto_scalarmult_ed25519_noclamp(number, point)
    except SodiumError as error:  # a point of small order, or a product that is the identity
        raise CryptoError("scalar multiplication failed") from error


def add(p: bytes, q: bytes) -> bytes:
    if p == IDENTITY:
        return q
    if q == IDENTITY:
        return p
    return sodium.crypto_core_ed25519_add(p, q)


def sub(p: bytes, q: bytes) -> bytes:
    if q == IDENTITY:
        return p
    return sodium.crypto_core_ed25519_sub(p, q)


@cache
def weight_point(weight: int) -> bytes:
    return base_times(scalar(weight))


def challenge(label: bytes, *parts: bytes) -> bytes:
    """Fiat-Shamir: a scalar from the hash of every part, each length-prefixed so that no
    two different statements hash alike."""
    digest = hashlib.sha512()
    digest.update(len(label).to_bytes(2, "big") + label)
    for part in parts:
        digest.update(len(part).to_bytes(4, "big") + part)
    return sodium.crypto_core_ed25519_scalar_reduce(digest.digest())


@dataclass(frozen=True)
class KeyPair:
    secret: bytes
    public: bytes


def generate_key() -> KeyPair:
    secret = random_scalar()
    return KeyPair(secret, base_times(secret))


@dataclass(frozen=True)
class Ciphertext:
    a: bytes
    b: bytes

    def to_bytes(self) -> bytes:
        return self.a + self.b

    @classmethod
    def from_bytes(cls, value: bytes) -> "Ciphertext":
        if len(value) != 2 * POINT_SIZE:
            raise CryptoError("a ciphertext is two points")
        return cls(value[:POINT_SIZE], value[POINT_SIZE:])

    def __add__(self, other: "Ciphertext") -> "Ciphertext":
        return Ciphertext(add(self.a, other.a), add(self.b, other.b))


ZERO = Ciphertext(IDENTITY, IDENTITY)


def _weights_bytes(weights: Sequence[int]) -> bytes:
    return b"".join(weight.to_bytes(8, "big") for weight in weights)


def encrypt(
    public: bytes, weights: Sequence[int], index: int, context: bytes
) -> tuple[Ciphertext, bytes]:
    """Encrypt weights[index] with a proof that the ciphertext holds one of the weights.
    The randomness exists only inside this call.

    The simulated branches' commitments are computed with r, which the prover knows:
    s·G - c·A = (s - c·r)·G and s·Y - c·(B - w_j·G) = (s - c·r)·Y + c·(w_j - w_i)·G, the same
    values a verifier recomputes, for half the variable-base multiplications."""
    r = random_scalar()
    a = base_times(r)
    b = add(times(r, public), weight_point(weights[index]))
    commitments: list[bytes] = []
    challenges: list[bytes] = []
    responses: list[bytes] = []
    w = random_scalar()
    for j, weight in enumerate(weights):
        if j == index:
            commitments += [base_times(w), times(w, public)]
            challenges.append(b"")
            responses.append(b"")
            continue
        c_j, s_j = random_scalar(), random_scalar()
        k = sodium.crypto_core_ed25519_scalar_sub(
            s_j, sodium.crypto_core_ed25519_scalar_mul(c_j, r)
        )
        shift = sodium.crypto_core_ed25519_scalar_mul(c_j, scalar(weight - weights[index]))
        commitments += [base_times(k), add(times(k, public), base_times(shift))]
        challenges.append(c_j)
        responses.append(s_j)
    total = challenge(b"coop ballot", context, public, a, b, _weights_bytes(weights), *commitments)
    c_i = total
    for j, c_j in enumerate(challenges):
        if j != index:
            c_i = sodium.crypto_core_ed25519_scalar_sub(c_i, c_j)
    challenges[index] = c_i
    responses[index] = sodium.crypto_core_ed25519_scalar_add(
        w, sodium.crypto_core_ed25519_scalar_mul(c_i, r)
    )
    proof = b"".join(c + s for c, s in zip(challenges, responses, strict=True))
    return Ciphertext(a, b), proof


def _branch_commitments(
    public: bytes, a: bytes, b: bytes, weight: int, c: bytes, s: bytes
) -> list[bytes]:
    """The commitments a branch's (challenge, response) imply: s·G - c·A, s·Y - c·(B - w·G)."""
    return [
        sub(base_times(s), times(c, a)),
        sub(times(s, public), times(c, sub(b, weight_point(weight)))),
    ]


def verify_ballot(
    public: bytes, weights: Sequence[int], ciphertext: Ciphertext, proof: bytes, context: bytes
) -> bool:
    """Whether the proof shows that the ciphertext encrypts one of the weights."""
    try:
        valid_point(public)
        valid_point(ciphertext.a)
        valid_point(ciphertext.b)
        if len(proof) != 2 * SCALAR_SIZE * len(weights):
            return False
        commitments: list[bytes] = []
        total = bytes(SCALAR_SIZE)
        for j, weight in enumerate(weights):
            c = _canonical_scalar(proof[64 * j : 64 * j + 32])
            s = _canonical_scalar(proof[64 * j + 32 : 64 * j + 64])
            commitments += _branch_commitments(public, ciphertext.a, ciphertext.b, weight, c, s)
            total = sodium.crypto_core_ed25519_scalar_add(total, c)
    except CryptoError:
        return False
    expected = challenge(
        b"coop ballot",
        context,
        public,
        ciphertext.a,
        ciphertext.b,
        _weights_bytes(weights),
        *commitments,
    )
    return total == expected


def tally(ciphertexts: Iterable[Ciphertext]) -> Ciphertext:
    total = ZERO
    for ciphertext in ciphertexts:
        total = total + ciphertext
    return total


def partial_decrypt(secret: bytes, total: Ciphertext, context: bytes) -> tuple[bytes, bytes]:
    """D = x·A and a Chaum-Pedersen proof that log_G(Y) = log_A(D)."""
    public = base_times(secret)
    share = times(secret, total.a)
    w = random_scalar()
    c = challenge(
        b"coop decryption", context, public, total.a, total.b, share,
        base_times(w), times(w, total.a),
    )  # fmt: skip
    s = sodium.crypto_core_ed25519_scalar_add(w, sodium.crypto_core_ed25519_scalar_mul(c, secret))
    return share, c + s


def verify_decryption(
    public: bytes, total: Ciphertext, share: bytes, proof: bytes, context: bytes
) -> bool:
    try:
        valid_point(public)
        if total.a == IDENTITY:  # no ballot: nothing was encrypted, nothing to decrypt
            return share == IDENTITY
        valid_point(total.a)
        valid_point(share)
        if len(proof) != 2 * SCALAR_SIZE:
            return False
        c = _canonical_scalar(proof[:32])
        s = _canonical_scalar(proof[32:])
        t1 = sub(base_times(s), times(c, public))
        t2 = sub(times(s, total.a), times(c, share))
    except CryptoError:
        return False
    return c == challenge(b"coop decryption", context, public, total.a, total.b, share, t1, t2)


def decode_counts(point: bytes, weights: Sequence[int], ballots: int) -> tuple[int, ...]:
    """The count of each choice from M = (sum of weights)·G, for weights made of one zero
    weight, 1 and one large base (see proposal_weights), and at most `ballots` ballots:
    baby steps over the count of the weight-1 choice, giant steps over the large one."""
    base = max(weights)
    if sorted(weights) != sorted([0, 1, base]) or base <= ballots:
        raise CryptoError("decoding needs the weights 0, 1 and a base above the ballots")
    baby: dict[bytes, int] = {}
    step = IDENTITY
    for count in range(ballots + 1):
        baby[step] = count
        step = add(step, weight_point(1))
    remainder = point
    for big in range(ballots + 1):
        small = baby.get(remainder)
        if small is not None and small + big <= ballots:
            by_weight = {1: small, base: big, 0: ballots - small - big}
            return tuple(by_weight[weight] for weight in weights)
        remainder = sub(remainder, weight_point(base))
    raise CryptoError("the decrypted total is not a possible count of these ballots")


def tracker(context: bytes, ciphertext: Ciphertext, proof: bytes) -> bytes:
    """A ballot's tracker: the hash of everything published about it."""
    return hashlib.sha256(
        b"coop ballot tracker\x00" + context + ciphertext.to_bytes() + proof
    ).digest()


def chain_start(context: bytes, public: bytes) -> bytes:
    return hashlib.sha256(b"coop ballot chain\x00" + context + public).digest()


def chain_next(previous: bytes, seq: int, entry_tracker: bytes, replaces: int | None) -> bytes:
    """Each entry of the public list commits to every entry before it."""
    replaced = (replaces or 0).to_bytes(8, "big")
    return hashlib.sha256(previous + seq.to_bytes(8, "big") + entry_tracker + replaced).digest()
