"""The encrypted-ballot scheme on its own: random elections tally, prove and recount alike,
and every kind of tampering with the published record is caught."""

import copy
import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop.ballots import crypto
from coop.ballots.record import (
    FORMAT,
    Entry,
    box_context,
    counted,
    format_tracker,
    parse_tracker,
    recount,
    removal_tracker,
)

WEIGHTS = (1, 2**32, 0)
CHOICES = ["for", "against", "abstain"]
BOX = 7


def make_record(actions: list[tuple[int, int | None]]) -> tuple[dict, dict[str, int], bytes]:
    """Build a closed box's record as the platform does: `actions` are (voter, choice
    index), with None for a removal. The last ballot of each voter counts."""
    key = crypto.generate_key()
    context = box_context(BOX)
    chain = crypto.chain_start(context, key.public)
    entries: list[dict] = []
    current: dict[int, tuple[int, bytes]] = {}
    for voter, choice in actions:
        replaces = current.get(voter)
        if choice is None:
            if replaces is None:
                continue
            tracker = removal_tracker(context, replaces[1])
            ciphertext = proof = None
            current.pop(voter)
        else:
            encrypted, proof = crypto.encrypt(key.public, WEIGHTS, choice, context)
            ciphertext = encrypted.to_bytes()
            tracker = crypto.tracker(context, encrypted, proof)
        seq = len(entries) + 1
        chain = crypto.chain_next(chain, seq, tracker, replaces[0] if replaces else None)
        if choice is not None:
            current[voter] = (seq, tracker)
        entries.append({
            "seq": seq, "tracker": tracker.hex(), "chain": chain.hex(),
            "replaces": replaces[0] if replaces else None,
            "ciphertext": ciphertext.hex() if ciphertext else None,
            "proof": proof.hex() if proof else None,
        })  # fmt: skip
    parsed = [
        Entry(e["seq"], b"", b"", e["replaces"], b"x" if e["ciphertext"] else None, None)
        for e in entries
    ]
    live = counted(parsed)
    ciphertexts = [
        crypto.Ciphertext.from_bytes(bytes.fromhex(entries[e.seq - 1]["ciphertext"])) for e in live
    ]
    total = crypto.tally(ciphertexts)
    if live:
        share, proof = crypto.partial_decrypt(key.secret, total, context)
    else:
        share, proof = crypto.IDENTITY, b""
    counts = crypto.decode_counts(crypto.sub(total.b, share), WEIGHTS, len(live))
    record = {
        "format": FORMAT, "box": BOX, "choices": CHOICES, "weights": list(WEIGHTS),
        "public_key": key.public.hex(), "closed": True, "counted": len(live),
        "total": total.to_bytes().hex(), "decryption": share.hex(),
        "decryption_proof": proof.hex(), "result": dict(zip(CHOICES, counts, strict=True)),
        "entries": entries,
    }  # fmt: skip
    final: dict[int, int] = {}  # what each voter's last ballot says, worked out plainly
    for voter, choice in actions:
        if choice is None:
            final.pop(voter, None)
        else:
            final[voter] = choice
    expected = {name: list(final.values()).count(index) for index, name in enumerate(CHOICES)}
    return record, expected, key.secret


actions = st.lists(
    st.tuples(st.integers(0, 6), st.one_of(st.none(), st.integers(0, 2))), max_size=18
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions)
def test_random_elections_tally_prove_and_recount_alike(steps):
    record, expected, _secret = make_record(steps)

    result = recount(record)

    assert result.ok, result.problems
    assert result.counts == expected == record["result"]
    assert result.counted == sum(expected.values())


def test_a_ballot_holds_exactly_one_allowed_weight():
    key = crypto.generate_key()
    context = box_context(BOX)
    for index in range(3):
        ciphertext, proof = crypto.encrypt(key.public, WEIGHTS, index, context)
        assert crypto.verify_ballot(key.public, WEIGHTS, ciphertext, proof, context)
        assert not crypto.verify_ballot(key.public, WEIGHTS, ciphertext, proof, box_context(8))
        doubled = ciphertext + ciphertext  # two votes in one ballot
        assert not crypto.verify_ballot(key.public, WEIGHTS, doubled, proof, context)
        other = crypto.generate_key()
        assert not crypto.verify_ballot(other.public, WEIGHTS, ciphertext, proof, context)


def test_a_proof_for_a_weight_outside_the_list_cannot_be_made_to_pass():
    """A dishonest encrypter with weights (1, 2^32, 5) proves 5 is allowed; it is not."""
    key = crypto.generate_key()
    context = box_context(BOX)
    ciphertext, proof = crypto.encrypt(key.public, (1, 2**32, 5), 2, context)
    assert not crypto.verify_ballot(key.public, WEIGHTS, ciphertext, proof, context)


def test_malformed_points_and_scalars_are_refused_not_crashed():
    key = crypto.generate_key()
    context = box_context(BOX)
    ciphertext, proof = crypto.encrypt(key.public, WEIGHTS, 0, context)
    small_order = bytes(32)  # the point (0, ...) of small order, not in the group
    bad = crypto.Ciphertext(small_order, ciphertext.b)
    assert not crypto.verify_ballot(key.public, WEIGHTS, bad, proof, context)
    too_big = (crypto.ORDER + 1).to_bytes(32, "little") + proof[32:]
    assert not crypto.verify_ballot(key.public, WEIGHTS, ciphertext, too_big, context)
    assert not crypto.verify_ballot(key.public, WEIGHTS, ciphertext, proof[:-1], context)


def tamper(record: dict, how) -> list[str]:
    changed = copy.deepcopy(record)
    how(changed)
    return recount(changed).problems


@pytest.fixture(scope="module")
def election():
    steps = [(0, 0), (1, 1), (2, 2), (3, 0), (1, 0), (4, 1), (2, None), (5, 0)]
    record, expected, secret = make_record(steps)
    assert recount(record).ok
    return record, expected, secret


def test_a_dropped_ballot_is_detected(election):
    record, _expected, _secret = election

    def drop(r):
        del r["entries"][3]

    assert tamper(record, drop)


def test_a_ballot_slipped_in_is_detected(election):
    record, _expected, _secret = election
    public = bytes.fromhex(record["public_key"])

    def stuff(r):
        ciphertext, proof = crypto.encrypt(public, WEIGHTS, 0, box_context(BOX))
        last = r["entries"][-1]
        tracker = crypto.tracker(box_context(BOX), ciphertext, proof)
        chain = crypto.chain_next(bytes.fromhex(last["chain"]), last["seq"] + 1, tracker, None)
        r["entries"].append({
            "seq": last["seq"] + 1, "tracker": tracker.hex(), "chain": chain.hex(),
            "replaces": None, "ciphertext": ciphertext.to_bytes().hex(), "proof": proof.hex(),
        })  # fmt: skip

    problems = tamper(record, stuff)
    assert "the encrypted total is not the sum of the counted ballots" in problems


def test_a_swapped_ballot_or_a_broken_link_is_detected(election):
    record, _expected, _secret = election
    public = bytes.fromhex(record["public_key"])

    def swap(r):
        ciphertext, proof = crypto.encrypt(public, WEIGHTS, 1, box_context(BOX))
        r["entries"][0]["ciphertext"] = ciphertext.to_bytes().hex()
        r["entries"][0]["proof"] = proof.hex()

    assert any("tracker" in problem for problem in tamper(record, swap))

    def relink(r):
        r["entries"][2]["replaces"] = 1

    assert tamper(record, relink)


def test_a_wrong_decryption_or_result_is_detected(election):
    record, _expected, _secret = election

    def other_share(r):
        r["decryption"] = crypto.base_times(crypto.random_scalar()).hex()

    assert "the decryption of the total is not proven" in tamper(record, other_share)

    def wrong_result(r):
        r["result"] = dict(r["result"], **{"for": r["result"]["for"] + 1})

    assert any("published result" in problem for problem in tamper(record, wrong_result))

    def forged_proof(r):
        total = crypto.Ciphertext.from_bytes(bytes.fromhex(r["total"]))
        liar = crypto.generate_key()  # proves a decryption with another key
        share, proof = crypto.partial_decrypt(liar.secret, total, box_context(BOX))
        r["decryption"], r["decryption_proof"] = share.hex(), proof.hex()

    assert "the decryption of the total is not proven" in tamper(record, forged_proof)


def test_a_ballot_with_a_bad_proof_is_detected(election):
    record, _expected, _secret = election

    def corrupt(r):
        proof = bytearray(bytes.fromhex(r["entries"][0]["proof"]))
        proof[40] ^= 1
        r["entries"][0]["proof"] = proof.hex()
        entry = r["entries"][0]  # a consistent tracker, so only the proof is wrong
        tracker = hashlib.sha256(
            b"coop ballot tracker\x00"
            + box_context(BOX)
            + bytes.fromhex(entry["ciphertext"])
            + bytes(proof)
        ).digest()
        entry["tracker"] = tracker.hex()

    problems = tamper(record, corrupt)
    assert any("proof does not check out" in problem for problem in problems)


def test_trackers_read_back_however_they_are_typed():
    tracker = hashlib.sha256(b"x").digest()
    shown = format_tracker(tracker)
    assert len(shown.split()) == 8
    assert parse_tracker(shown) == parse_tracker(shown.upper().replace(" ", "")) == tracker
    assert parse_tracker("not a tracker") is None
    assert parse_tracker("zz" * 32) is None
