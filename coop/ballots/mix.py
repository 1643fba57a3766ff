"""Ranked secret ballots, for board elections counted by STV (coop/elections/stv.py).

A ranked ballot cannot be counted homomorphically: each one has to be decrypted. Ballots sit
encrypted on the box's public list, and the database knows which list entry is whose (so a
member can change their vote). Decrypting the list as it stands would therefore tell anyone
holding a copy of the database which member ranked whom. So at closing the ballots go
through a verifiable re-encryption mix-net first, as in Belenios:

1. `mix`: every ballot is re-encrypted with fresh randomness and the list is permuted; a
   zero-knowledge proof of a shuffle (Terelius-Wikström, coop/ballots/shuffle.py) shows that
   the output is a permutation of re-encryptions of the input: no ballot dropped, added or
   altered. The permutation and the randomness exist only inside that call.
2. `open_mixed`: each mixed ballot is decrypted, with a Chaum-Pedersen proof of correct
   decryption per component (crypto.partial_decrypt); then the key is destroyed.

A ballot is a vector of `width(candidates)` exponential-ElGamal ciphertexts (crypto.py's
group and encryption, (A, B) = (r·G, r·Y + m·G)). The ranking (0-based candidate indices,
most preferred first, no repeats, possibly shorter than the list of candidates, possibly
empty: a blank ballot) is written as slots of value candidate + 1, then 0 for "no further
preference"; each component packs several slots as digits in base candidates + 1, as many
as keep the decoding table under TABLE_LIMIT points (4 slots, 3 components, for 12
candidates). Decryption yields m·G and m is read from that precomputed table: no discrete
logarithm is ever searched. A vector that does not decode to a ranking (not in the table, a
preference after a 0, a repeat) opens as None, never as an error.

Each sealed ballot carries a Schnorr proof of knowledge of every component's randomness,
bound to the box's context and the whole blob, so that a ballot copied from another box (or
another member's entry) cannot be re-proved: the copier does not know its randomness.

Threat model. What the mix adds: a backup taken while the vote was open (member -> entry ->
ciphertext) together with the published decrypted ballots no longer tells how anyone voted,
because the link between input and output positions (the permutation and the re-encryption
randomness) is forgotten when `mix` returns; and anyone can check with `verify_mix` and
`verify_opened` that the opened rankings are exactly the ballots on the list. What it does
not: there is a single mixer. While `mix` runs, the platform holds the permutation in memory
(as it holds the key while the vote is open); a server compromised at that moment, or one
holding the key and the database during the vote, can still link ballots to members (Python
cannot wipe memory; nothing is logged or stored). Chaining independent mixers and splitting
the key between tellers is future work.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from nacl import bindings as sodium

from coop.ballots import crypto, shuffle
from coop.ballots.crypto import Ciphertext, CryptoError

CIPHERTEXT_SIZE = 2 * crypto.POINT_SIZE
TABLE_LIMIT = 2**15  # decoding-table points per component value (28,561 for 12 candidates)


@cache
def _slots_per_component(candidates: int) -> int:
    if not isinstance(candidates, int) or candidates < 1:
        raise ValueError("a ranked ballot needs at least one candidate")
    slots = 1
    while slots < candidates and (candidates + 1) ** (slots + 1) <= TABLE_LIMIT:
        slots += 1
    return slots


def width(candidates: int) -> int:
    """How many ciphertexts a ballot over `candidates` candidates is made of."""
    return -(-candidates // _slots_per_component(candidates))


def encode(ranking: Sequence[int], candidates: int) -> list[int]:
    """The component values of a ranking; ValueError if it is not one."""
    ranking = list(ranking)
    if any(type(c) is not int or not 0 <= c < candidates for c in ranking):
        raise ValueError("a ranking lists candidate indices")
    if len(set(ranking)) != len(ranking):
        raise ValueError("a ranking names each candidate at most once")
    per = _slots_per_component(candidates)
    slots = [c + 1 for c in ranking] + [0] * (width(candidates) * per - len(ranking))
    base = candidates + 1
    return [sum(slots[i + t] * base**t for t in range(per)) for i in range(0, len(slots), per)]


def decode(values: Sequence[int], candidates: int) -> tuple[int, ...] | None:
    """The ranking the component values stand for, or None if they stand for none."""
    per, base = _slots_per_component(candidates), candidates + 1
    if len(values) != width(candidates) or any(not 0 <= v < base**per for v in values):
        return None
    ranking: list[int] = []
    ended = False
    for value in values:
        for _ in range(per):
            value, slot = divmod(value, base)
            if slot == 0:
                ended = True
            elif ended:
                return None
            else:
                ranking.append(slot - 1)
    if len(set(ranking)) != len(ranking):
        return None
    return tuple(ranking)


@cache
def _table(candidates: int) -> dict[bytes, int]:
    """m·G -> m for every value a component can hold, built by additions (about a second
    for 12 candidates, once per process)."""
    table: dict[bytes, int] = {}
    point = crypto.IDENTITY
    for value in range((candidates + 1) ** _slots_per_component(candidates)):
        table[point] = value
        point = crypto.add(point, crypto.weight_point(1))
    return table


def _ciphertexts(blob: bytes, candidates: int) -> list[Ciphertext]:
    """A blob's components, every point checked; CryptoError if it is not a ballot."""
    if not isinstance(blob, bytes) or len(blob) != width(candidates) * CIPHERTEXT_SIZE:
        raise CryptoError("a ballot is width(candidates) ciphertexts")
    parts = [
        Ciphertext.from_bytes(blob[i : i + CIPHERTEXT_SIZE])
        for i in range(0, len(blob), CIPHERTEXT_SIZE)
    ]
    for part in parts:
        crypto.valid_point(part.a)
        crypto.valid_point(part.b)
    return parts


def _seal_challenge(
    public: bytes, blob: bytes, candidates: int, context: bytes, commitments: list[bytes]
) -> bytes:
    return crypto.challenge(
        b"coop sealed ranking", context, public, candidates.to_bytes(4, "big"), blob, *commitments
    )


def seal_ranking(
    public: bytes, ranking: Sequence[int], candidates: int, context: bytes
) -> tuple[bytes, bytes]:
    """Encrypt a ranking: (blob, proof). The blob is width(candidates) ciphertexts; the proof
    a Schnorr proof of knowledge of each component's randomness r (A = r·G), one challenge
    over the context, key and whole blob, then one response per component. ValueError if the
    ranking is not one."""
    crypto.valid_point(public)
    values = encode(ranking, candidates)
    randomness = [crypto.random_scalar() for _ in values]
    blob = b"".join(
        crypto.base_times(r) + crypto.add(crypto.times(r, public), crypto.weight_point(value))
        for r, value in zip(randomness, values, strict=True)
    )
    nonces = [crypto.random_scalar() for _ in values]
    c = _seal_challenge(public, blob, candidates, context, [crypto.base_times(w) for w in nonces])
    responses = [
        sodium.crypto_core_ed25519_scalar_add(w, sodium.crypto_core_ed25519_scalar_mul(c, r))
        for w, r in zip(nonces, randomness, strict=True)
    ]
    return blob, c + b"".join(responses)


def verify_sealed(
    public: bytes, blob: bytes, proof: bytes, candidates: int, context: bytes
) -> bool:
    """Whether the proof shows knowledge of the blob's randomness, for this box."""
    try:
        crypto.valid_point(public)
        parts = _ciphertexts(blob, candidates)
        if not isinstance(proof, bytes) or len(proof) != crypto.SCALAR_SIZE * (len(parts) + 1):
            return False
        c = crypto._canonical_scalar(proof[:32])
        commitments = []
        for i, part in enumerate(parts):
            s = crypto._canonical_scalar(proof[32 * (i + 1) : 32 * (i + 2)])
            commitments.append(crypto.sub(crypto.base_times(s), crypto.times(c, part.a)))
        return c == _seal_challenge(public, blob, candidates, context, commitments)
    except (ValueError, TypeError, AttributeError):  # CryptoError is a ValueError
        return False


def blob_tracker(context: bytes, blob: bytes, proof: bytes) -> bytes:
    """A ranked ballot's tracker on the public list: the hash of everything published about
    it (as crypto.tracker for one ciphertext), each part length-prefixed."""
    digest = hashlib.sha256(b"coop ranked ballot tracker\x00")
    for part in (context, blob, proof):
        digest.update(len(part).to_bytes(4, "big") + part)
    return digest.digest()


@dataclass(frozen=True, slots=True)
class Mixed:
    blobs: list[bytes]
    proof: bytes


def _mix_context(context: bytes, candidates: int) -> bytes:
    return b"coop ranked mix\x00" + candidates.to_bytes(4, "big") + context


def mix(public: bytes, blobs: Sequence[bytes], candidates: int, context: bytes) -> Mixed:
    """Re-encrypt and permute the ballots, with a proof of the shuffle (shuffle.py). The
    blobs must be ballots (checked by verify_sealed when cast); CryptoError otherwise."""
    crypto.valid_point(public)
    ballots = [_ciphertexts(blob, candidates) for blob in blobs]
    outputs, proof = shuffle.shuffle(public, ballots, _mix_context(context, candidates))
    return Mixed([b"".join(part.to_bytes() for part in ballot) for ballot in outputs], proof)


def verify_mix(
    public: bytes, before: Sequence[bytes], after: Mixed, candidates: int, context: bytes
) -> bool:
    """Whether `after` is a permutation of re-encryptions of `before`, as its proof shows."""
    try:
        crypto.valid_point(public)
        inputs = [_ciphertexts(blob, candidates) for blob in before]
        outputs = [_ciphertexts(blob, candidates) for blob in after.blobs]
        if not isinstance(after.proof, bytes):
            return False
        return shuffle.verify(
            public, inputs, outputs, after.proof, _mix_context(context, candidates)
        )
    except (ValueError, TypeError, AttributeError):
        return False


@dataclass(frozen=True, slots=True)
class Opened:
    rankings: list[tuple[int, ...] | None]  # None: the ballot is not a valid ranking
    shares: list[bytes]  # per ballot, D = x·A per component (width * 32 bytes)
    proofs: list[bytes]  # per ballot, a Chaum-Pedersen proof per component (width * 64 bytes)


def _open_context(context: bytes) -> bytes:
    return b"coop ranked ballot opened\x00" + context


def _read(parts: list[Ciphertext], shares: list[bytes], candidates: int) -> tuple | None:
    table = _table(candidates)
    values = [table.get(crypto.sub(p.b, d)) for p, d in zip(parts, shares, strict=True)]
    if None in values:
        return None
    return decode(values, candidates)  # type: ignore[arg-type]


def open_mixed(
    secret: bytes, public: bytes, blobs: Sequence[bytes], candidates: int, context: bytes
) -> Opened:
    """Decrypt each mixed ballot with proofs. CryptoError if the key does not match or a
    blob is not a ballot at all; a ballot that decrypts to no ranking opens as None."""
    if crypto.base_times(crypto._canonical_scalar(secret)) != crypto.valid_point(public):
        raise CryptoError("the secret key does not match the public key")
    rankings, all_shares, all_proofs = [], [], []
    for blob in blobs:
        parts = _ciphertexts(blob, candidates)
        shares, proofs = [], []
        for part in parts:
            share, proof = crypto.partial_decrypt(secret, part, _open_context(context))
            shares.append(share)
            proofs.append(proof)
        rankings.append(_read(parts, shares, candidates))
        all_shares.append(b"".join(shares))
        all_proofs.append(b"".join(proofs))
    return Opened(rankings, all_shares, all_proofs)


def verify_opened(
    public: bytes, blobs: Sequence[bytes], opened: Opened, candidates: int, context: bytes
) -> bool:
    """Whether every decryption is proved and every published ranking (or None) is what the
    decrypted ballot says."""
    try:
        crypto.valid_point(public)
        count = len(blobs)
        if not len(opened.rankings) == len(opened.shares) == len(opened.proofs) == count:
            return False
        size = width(candidates)
        for blob, ranking, share, proof in zip(
            blobs, opened.rankings, opened.shares, opened.proofs, strict=True
        ):
            parts = _ciphertexts(blob, candidates)
            if not isinstance(share, bytes) or not isinstance(proof, bytes):
                return False
            if len(share) != 32 * size or len(proof) != 64 * size:
                return False
            shares = [share[32 * i : 32 * (i + 1)] for i in range(size)]
            for i, part in enumerate(parts):
                if not crypto.verify_decryption(
                    public, part, shares[i], proof[64 * i : 64 * (i + 1)], _open_context(context)
                ):
                    return False
            if _read(parts, shares, candidates) != ranking:
                return False
        return True
    except (ValueError, TypeError, AttributeError):
        return False
