"""The pure rules of nominations: the window, validity, word counting, declarations."""

from datetime import UTC, datetime, timedelta

import pytest

from coop.elections import rules

OPENS = datetime(2027, 3, 1, 9, tzinfo=UTC)
CLOSES = datetime(2027, 3, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "closed_early", "expected"),
    [
        (OPENS - timedelta(seconds=1), False, rules.Window.NOT_OPEN),
        (OPENS, False, rules.Window.OPEN),
        (CLOSES - timedelta(seconds=1), False, rules.Window.OPEN),
        (CLOSES, False, rules.Window.CLOSED),
        (OPENS + timedelta(days=1), True, rules.Window.CLOSED),
    ],
)
def test_the_window_opens_at_its_start_and_closes_at_its_end_or_when_closed_early(
    now, closed_early, expected
):
    assert rules.window(now, OPENS, CLOSES, closed_early) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("   \n\t ", 0),
        ("I will serve the co-operative.", 5),
        ("## My **priorities**\n\n- housing\n- transport", 4),
        ("Read [my record](https://example.org/record) — thank you", 5),
        ("2027: 3 pledges", 3),
        ("Ünïcödé wörds zählen", 3),
    ],
)
def test_words_are_runs_between_spaces_holding_a_letter_or_digit(text, words):
    assert rules.count_words(text) == words


def test_a_nomination_is_valid_when_accepted_seconded_current_and_not_withdrawn():
    assert rules.is_valid(True, False, 2, 2, True)
    assert not rules.is_valid(False, False, 2, 2, True)  # not accepted
    assert not rules.is_valid(True, True, 2, 2, True)  # withdrawn
    assert not rules.is_valid(True, False, 1, 2, True)  # too few seconders
    assert not rules.is_valid(True, False, 2, 2, False)  # no longer a member
    assert rules.is_valid(True, False, 0, 0, True)  # the rules may ask for none


def test_the_declarations_cite_their_source_and_the_term_limit_when_the_rules_set_one():
    without = {d.field: d for d in rules.declarations(0)}
    assert set(without) == set(rules.DECLARATION_FIELDS)
    assert "s.11" in without["not_bankrupt"].source
    assert "Company Directors Disqualification Act 1986" in without["not_disqualified"].source
    assert "consecutive" not in without["eligible"].text
    assert "3 consecutive terms" in rules.declarations(3)[2].text


def test_the_settings_allow_only_known_voting_methods():
    config = {"COOP_ELECTION_SECONDERS": 1, "COOP_ELECTION_STATEMENT_WORDS": 250,
              "COOP_BOARD_MAX_CONSECUTIVE_TERMS": 0}  # fmt: skip
    assert rules.ElectionRules.from_config(
        {**config, "COOP_ELECTION_METHODS": "stv, FPTP"}
    ).methods == {"stv", "fptp"}
    for bad in ("", "approval", "stv,borda"):
        with pytest.raises(ValueError, match="COOP_ELECTION_METHODS"):
            rules.ElectionRules.from_config({**config, "COOP_ELECTION_METHODS": bad})
