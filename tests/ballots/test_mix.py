"""Ranked ballots through the mix-net (coop/ballots/mix.py, shuffle.py): sealed, mixed and
opened ballots give back exactly the rankings cast, in another order and unlinkable, and every
kind of tampering with a sealed ballot, a mix or an opening is caught."""

import dataclasses
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop.ballots import crypto
from coop.ballots.mix import (
    Mixed,
    Opened,
    blob_tracker,
    decode,
    encode,
    mix,
    open_mixed,
    seal_ranking,
    verify_mix,
    verify_opened,
    verify_sealed,
    width,
)

CONTEXT = b"coop ballot box 41"
OTHER = b"coop ballot box 42"
CANDIDATES = 12
KEY = crypto.generate_key()


def ranking_of(rng: random.Random, candidates: int) -> tuple[int, ...]:
    order = list(range(candidates))
    rng.shuffle(order)
    return tuple(order[: rng.randint(0, candidates)])


def seal_all(rankings, candidates=CANDIDATES, key=KEY, context=CONTEXT) -> list[bytes]:
    return [seal_ranking(key.public, r, candidates, context)[0] for r in rankings]


def raw_blob(values: list[int], public: bytes = KEY.public) -> bytes:
    """A ballot encrypting arbitrary component values, as a cheating voter or mixer could."""
    blob = b""
    for value in values:
        r = crypto.random_scalar()
        b = crypto.add(crypto.times(r, public), crypto.base_times(crypto.scalar(value)))
        blob += crypto.base_times(r) + b
    return blob


def flip(data: bytes, index: int, bit: int = 1) -> bytes:
    return data[:index] + bytes([data[index] ^ bit]) + data[index + 1 :]


rankings_strategy = st.integers(1, 12).flatmap(
    lambda n: st.tuples(st.just(n), st.permutations(range(n)).flatmap(
        lambda p: st.integers(0, len(p)).map(lambda k: tuple(p[:k]))))
)  # fmt: skip


# Encoding


@given(rankings_strategy)
def test_every_ranking_encodes_and_decodes_back(case):
    candidates, ranking = case
    values = encode(ranking, candidates)
    assert len(values) == width(candidates)
    assert decode(values, candidates) == ranking


@given(st.integers(1, 12), st.lists(st.integers(-5, 10**6), min_size=0, max_size=14))
def test_decoding_any_values_gives_a_ranking_or_none_never_an_error(candidates, values):
    result = decode(values, candidates)
    if result is not None:
        assert len(set(result)) == len(result)
        assert all(0 <= c < candidates for c in result)
        assert encode(result, candidates) == values


def test_width_packs_twelve_candidates_into_three_components_and_needs_a_candidate():
    assert width(12) == 3
    assert width(1) == width(3) == 1
    assert width(300) == 300
    with pytest.raises(ValueError):
        width(0)


@pytest.mark.parametrize("bad", [(0, 0), (12,), (-1,), (True,), (1.0,), tuple(range(13))])
def test_not_a_ranking_is_refused_when_sealing(bad):
    with pytest.raises(ValueError):
        seal_ranking(KEY.public, bad, CANDIDATES, CONTEXT)


# Sealing


def test_a_sealed_ballot_verifies_only_in_its_own_box_with_its_own_key_and_width():
    blob, proof = seal_ranking(KEY.public, (3, 1, 4), CANDIDATES, CONTEXT)
    assert len(blob) == width(CANDIDATES) * 64
    assert len(proof) == (width(CANDIDATES) + 1) * 32
    assert verify_sealed(KEY.public, blob, proof, CANDIDATES, CONTEXT)
    assert not verify_sealed(KEY.public, blob, proof, CANDIDATES, OTHER)
    assert not verify_sealed(crypto.generate_key().public, blob, proof, CANDIDATES, CONTEXT)
    assert not verify_sealed(KEY.public, blob, proof, 11, CONTEXT)  # same width, other box
    assert not verify_sealed(KEY.public, blob, proof, 20, CONTEXT)


def test_a_ballot_copied_into_another_box_cannot_be_re_proved_without_its_randomness():
    blob, proof = seal_ranking(KEY.public, (0, 1), CANDIDATES, CONTEXT)
    other_blob, other_proof = seal_ranking(KEY.public, (0, 1), CANDIDATES, OTHER)
    assert not verify_sealed(KEY.public, blob, other_proof, CANDIDATES, OTHER)
    assert not verify_sealed(KEY.public, other_blob, proof, CANDIDATES, CONTEXT)


@settings(max_examples=40)
@given(st.data())
def test_a_sealed_ballot_with_any_byte_flipped_is_refused(data):
    blob, proof = seal_ranking(KEY.public, (5,), CANDIDATES, CONTEXT)
    sealed = blob + proof
    index = data.draw(st.integers(0, len(sealed) - 1))
    bit = data.draw(st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128]))
    tampered = flip(sealed, index, bit)
    assert not verify_sealed(
        KEY.public, tampered[: len(blob)], tampered[len(blob) :], CANDIDATES, CONTEXT
    )


@pytest.mark.parametrize(
    "blob, proof",
    [(b"", b""), (b"\x00" * 192, b"\x00" * 128), ("text", b""), (None, None), (b"\x01" * 191, b"")],
)
def test_malformed_sealed_ballots_are_refused_without_an_error(blob, proof):
    assert verify_sealed(KEY.public, blob, proof, CANDIDATES, CONTEXT) is False


def test_a_non_canonical_response_is_refused():
    blob, proof = seal_ranking(KEY.public, (2,), CANDIDATES, CONTEXT)
    response = int.from_bytes(proof[32:64], "little") + crypto.ORDER
    tampered = proof[:32] + response.to_bytes(32, "little") + proof[64:]
    assert not verify_sealed(KEY.public, blob, tampered, CANDIDATES, CONTEXT)


def test_tracker_hashes_box_ballot_and_proof():
    blob, proof = seal_ranking(KEY.public, (1,), CANDIDATES, CONTEXT)
    tracker = blob_tracker(CONTEXT, blob, proof)
    assert len(tracker) == 32
    assert tracker == blob_tracker(CONTEXT, blob, proof)
    assert tracker != blob_tracker(OTHER, blob, proof)
    assert tracker != blob_tracker(CONTEXT, blob, flip(proof, 5))
    assert tracker != blob_tracker(CONTEXT, flip(blob, 5), proof)


# Opening


def test_opening_gives_each_ranking_with_proofs_that_verify():
    rankings = [(0, 5, 11), (), tuple(range(12)), (7,)]
    blobs = seal_all(rankings)
    opened = open_mixed(KEY.secret, KEY.public, blobs, CANDIDATES, CONTEXT)
    assert opened.rankings == rankings
    assert all(len(s) == 32 * 3 for s in opened.shares)
    assert all(len(p) == 64 * 3 for p in opened.proofs)
    assert verify_opened(KEY.public, blobs, opened, CANDIDATES, CONTEXT)
    assert not verify_opened(KEY.public, blobs, opened, CANDIDATES, OTHER)


def test_a_vector_that_is_no_ranking_opens_as_none_and_verifies_as_none():
    per = 13**4
    blobs = [
        raw_blob([1 + 1 * 13, 0, 0]),  # candidate 0 twice
        raw_blob([0 + 2 * 13, 0, 0]),  # a preference after "no further preference"
        raw_blob([10**6, 0, 0]),  # a value outside the table
        raw_blob([per - 1, per - 1, per - 1]),  # every slot candidate 11
        raw_blob([1 + 2 * 13, 0, 0]),  # a valid ranking, for comparison
    ]
    opened = open_mixed(KEY.secret, KEY.public, blobs, CANDIDATES, CONTEXT)
    assert opened.rankings == [None, None, None, None, (0, 1)]
    assert verify_opened(KEY.public, blobs, opened, CANDIDATES, CONTEXT)
    claimed = Opened([(0,), *opened.rankings[1:]], opened.shares, opened.proofs)
    assert not verify_opened(KEY.public, blobs, claimed, CANDIDATES, CONTEXT)


def test_a_mixed_ballot_tampered_into_no_ranking_opens_as_none():
    blobs = seal_all([(0,)])
    mixed = mix(KEY.public, blobs, CANDIDATES, CONTEXT)
    b = crypto.add(mixed.blobs[0][32:64], crypto.base_times(crypto.scalar(13)))
    tampered = [mixed.blobs[0][:32] + b + mixed.blobs[0][64:]]  # slots (1, 1): 0 ranked twice
    assert not verify_mix(KEY.public, blobs, Mixed(tampered, mixed.proof), CANDIDATES, CONTEXT)
    opened = open_mixed(KEY.secret, KEY.public, tampered, CANDIDATES, CONTEXT)
    assert opened.rankings == [None]
    assert verify_opened(KEY.public, tampered, opened, CANDIDATES, CONTEXT)


def test_verify_opened_refuses_a_wrong_ranking_share_proof_or_count():
    rankings = [(0, 1), (2,), (3, 4, 5)]
    blobs = seal_all(rankings)
    good = open_mixed(KEY.secret, KEY.public, blobs, CANDIDATES, CONTEXT)
    shares, proofs = good.shares, good.proofs
    bad = [
        Opened([(2,), (0, 1), (3, 4, 5)], shares, proofs),  # rankings swapped
        Opened([(0, 1), (2,), (3, 4)], shares, proofs),  # one preference dropped
        Opened([[0, 1], (2,), (3, 4, 5)], shares, proofs),  # not a tuple
        Opened([(0, 1), None, (3, 4, 5)], shares, proofs),
        Opened(good.rankings, [shares[1], shares[0], shares[2]], proofs),
        Opened(good.rankings, shares, [proofs[1], proofs[0], proofs[2]]),
        Opened(good.rankings, [flip(shares[0], 3), *shares[1:]], proofs),
        Opened(good.rankings, shares, [flip(proofs[0], 70), *proofs[1:]]),
        Opened(good.rankings, shares, [proofs[0][:-1], *proofs[1:]]),
        Opened(good.rankings[:2], shares[:2], proofs[:2]),
        Opened(good.rankings, shares[:2], proofs),
        Opened(good.rankings, [None, *shares[1:]], proofs),
    ]
    for opened in bad:
        assert verify_opened(KEY.public, blobs, opened, CANDIDATES, CONTEXT) is False
    assert not verify_opened(KEY.public, blobs[:2], good, CANDIDATES, CONTEXT)
    assert not verify_opened(crypto.generate_key().public, blobs, good, CANDIDATES, CONTEXT)


def test_opening_refuses_a_key_that_is_not_the_box_key():
    blobs = seal_all([(1,)])
    with pytest.raises(crypto.CryptoError):
        open_mixed(crypto.generate_key().secret, KEY.public, blobs, CANDIDATES, CONTEXT)


# Mixing


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([1, 2, 4, 12]), st.integers(0, 5), st.randoms(use_true_random=False))
def test_seal_mix_open_gives_back_the_rankings_cast(candidates, count, rng):
    key = crypto.generate_key()
    rankings = [ranking_of(rng, candidates) for _ in range(count)]
    blobs = seal_all(rankings, candidates, key)
    mixed = mix(key.public, blobs, candidates, CONTEXT)
    assert len(mixed.blobs) == count
    assert verify_mix(key.public, blobs, mixed, candidates, CONTEXT)
    opened = open_mixed(key.secret, key.public, mixed.blobs, candidates, CONTEXT)
    assert sorted(opened.rankings) == sorted(rankings)
    assert verify_opened(key.public, mixed.blobs, opened, candidates, CONTEXT)


def test_the_mix_changes_the_order_and_every_ciphertext():
    rankings = [(i,) for i in range(10)]
    blobs = seal_all(rankings)
    mixed = mix(KEY.public, blobs, CANDIDATES, CONTEXT)
    opened = open_mixed(KEY.secret, KEY.public, mixed.blobs, CANDIDATES, CONTEXT)
    assert sorted(opened.rankings) == rankings
    assert opened.rankings != rankings  # the identity permutation: 1 chance in 3,628,800
    points_in = {blob[i : i + 32] for blob in blobs for i in range(0, len(blob), 32)}
    points_out = {blob[i : i + 32] for blob in mixed.blobs for i in range(0, len(blob), 32)}
    assert not points_in & points_out
    again = mix(KEY.public, blobs, CANDIDATES, CONTEXT)
    assert not set(again.blobs) & set(mixed.blobs)


def test_the_mix_keeps_nothing_but_the_ballots_and_the_proof():
    assert [f.name for f in dataclasses.fields(Mixed)] == ["blobs", "proof"]
    mixed = mix(KEY.public, seal_all([(1,), (2,)]), CANDIDATES, CONTEXT)
    assert not hasattr(mixed, "__dict__")
    assert len(mixed.proof) == 32 * (4 * 2 + 4 + width(CANDIDATES))


def test_an_empty_box_mixes_to_nothing():
    mixed = mix(KEY.public, [], CANDIDATES, CONTEXT)
    assert mixed == Mixed([], b"")
    assert verify_mix(KEY.public, [], mixed, CANDIDATES, CONTEXT)
    assert not verify_mix(KEY.public, [], Mixed([], b"\x00" * 32), CANDIDATES, CONTEXT)
    opened = open_mixed(KEY.secret, KEY.public, [], CANDIDATES, CONTEXT)
    assert verify_opened(KEY.public, [], opened, CANDIDATES, CONTEXT)


@pytest.fixture(scope="module")
def honest():
    rankings = [(0, 1, 2), (3,), (4, 5), ()]
    blobs = seal_all(rankings)
    return blobs, mix(KEY.public, blobs, CANDIDATES, CONTEXT)


def swap_component(blobs: list[bytes], k: int) -> list[bytes]:
    a, b = blobs[0], blobs[1]
    part = slice(64 * k, 64 * (k + 1))
    a2 = a[: part.start] + b[part] + a[part.stop :]
    b2 = b[: part.start] + a[part] + b[part.stop :]
    return [a2, b2, *blobs[2:]]


def reencrypt_component(blob: bytes, k: int, shift: int) -> bytes:
    """Re-encrypt component k of a blob, adding shift to its message."""
    r = crypto.random_scalar()
    a = crypto.add(blob[64 * k : 64 * k + 32], crypto.base_times(r))
    b = crypto.add(blob[64 * k + 32 : 64 * k + 64], crypto.times(r, KEY.public))
    if shift:
        b = crypto.add(b, crypto.base_times(crypto.scalar(shift)))
    return blob[: 64 * k] + a + b + blob[64 * (k + 1) :]


def test_verify_mix_accepts_the_honest_mix(honest):
    blobs, mixed = honest
    assert verify_mix(KEY.public, blobs, mixed, CANDIDATES, CONTEXT)


def test_verify_mix_refuses_altered_outputs(honest):
    blobs, mixed = honest
    out, proof = mixed.blobs, mixed.proof
    fresh = seal_all([(0, 1, 2), (9,)])
    tampered = {
        "dropped": out[:-1],
        "added": [*out, fresh[1]],
        "duplicated": [out[0], out[0], *out[2:]],
        "substituted, same ranking": [fresh[0], *out[1:]],
        "substituted, other ranking": [fresh[1], *out[1:]],
        "component swapped": swap_component(out, 1),
        "last component swapped": swap_component(out, 2),
        "re-encrypted with another message": [reencrypt_component(out[0], 0, 1), *out[1:]],
        "re-encrypted again after the proof": [reencrypt_component(out[0], 2, 0), *out[1:]],
        "reordered": [out[1], out[0], *out[2:]],
        "reversed": out[::-1],
        "an input instead": [blobs[0], *out[1:]],
    }
    for name, outputs in tampered.items():
        assert not verify_mix(KEY.public, blobs, Mixed(outputs, proof), CANDIDATES, CONTEXT), name


def test_verify_mix_refuses_altered_inputs(honest):
    blobs, mixed = honest
    for inputs in (blobs[:-1], [blobs[0], *blobs], [blobs[1], blobs[0], *blobs[2:]],
                   seal_all([(0, 1, 2)]) + blobs[1:], swap_component(blobs, 0)):  # fmt: skip
        assert not verify_mix(KEY.public, inputs, mixed, CANDIDATES, CONTEXT)


def test_verify_mix_refuses_a_proof_with_any_word_altered(honest):
    blobs, mixed = honest
    rng = random.Random(5)
    for word in range(len(mixed.proof) // 32):
        index = 32 * word + rng.randrange(31)  # not the last byte: it may stay canonical
        proof = flip(mixed.proof, index, 1 << rng.randrange(8))
        assert not verify_mix(KEY.public, blobs, Mixed(mixed.blobs, proof), CANDIDATES, CONTEXT)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_verify_mix_refuses_a_proof_with_any_byte_flipped(honest, data):
    blobs, mixed = honest
    index = data.draw(st.integers(0, len(mixed.proof) - 1))
    proof = flip(mixed.proof, index, data.draw(st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128])))
    assert not verify_mix(KEY.public, blobs, Mixed(mixed.blobs, proof), CANDIDATES, CONTEXT)


def test_verify_mix_refuses_another_box_key_or_width(honest):
    blobs, mixed = honest
    assert not verify_mix(KEY.public, blobs, mixed, CANDIDATES, OTHER)
    assert not verify_mix(crypto.generate_key().public, blobs, mixed, CANDIDATES, CONTEXT)
    assert not verify_mix(KEY.public, blobs, mixed, 11, CONTEXT)  # same width
    assert not verify_mix(KEY.public, blobs, mixed, 20, CONTEXT)
    other = mix(KEY.public, blobs, CANDIDATES, OTHER)
    assert not verify_mix(KEY.public, blobs, Mixed(mixed.blobs, other.proof), CANDIDATES, CONTEXT)


def test_verify_mix_refuses_malformed_input_without_an_error(honest):
    blobs, mixed = honest
    out, proof = mixed.blobs, mixed.proof
    last = int.from_bytes(proof[-32:], "little") + crypto.ORDER
    non_canonical = proof[:-32] + last.to_bytes(32, "little")
    identity = crypto.IDENTITY * 6
    cases = [
        Mixed(out, proof[:-1]), Mixed(out, proof + b"\x00"), Mixed(out, b""),
        Mixed(out, non_canonical), Mixed(out, None), Mixed([out[0][:-1], *out[1:]], proof),
        Mixed([identity, *out[1:]], proof), Mixed([b"\xff" * 192, *out[1:]], proof),
        Mixed([None, *out[1:]], proof), Mixed([], proof),
    ]  # fmt: skip
    for case in cases:
        assert verify_mix(KEY.public, blobs, case, CANDIDATES, CONTEXT) is False
    assert verify_mix(b"\x00" * 32, blobs, mixed, CANDIDATES, CONTEXT) is False
    assert verify_mix(KEY.public, [b"x", *blobs[1:]], mixed, CANDIDATES, CONTEXT) is False


def test_mixing_refuses_what_is_not_a_ballot():
    blobs = seal_all([(1,), (2,)])
    for bad in ([blobs[0], blobs[1][:-1]], [blobs[0], crypto.IDENTITY * 6], [b"\x00" * 64]):
        with pytest.raises(crypto.CryptoError):
            mix(KEY.public, bad, CANDIDATES, CONTEXT)
    assert verify_mix(KEY.public, blobs, None, CANDIDATES, CONTEXT) is False
    assert verify_opened(KEY.public, blobs, None, CANDIDATES, CONTEXT) is False


def test_a_mixer_cannot_swap_in_a_vector_that_opens_differently():
    """A cheating mixer replaces one ballot by a re-encryption of another voter's ballot and
    proves the rest honestly: the proof for the real outputs does not carry over."""
    blobs = seal_all([(0,), (1,), (2,)])
    mixed = mix(KEY.public, [blobs[0], blobs[0], blobs[2]], CANDIDATES, CONTEXT)
    assert not verify_mix(KEY.public, blobs, mixed, CANDIDATES, CONTEXT)
