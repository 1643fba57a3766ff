"""How a closed vote is decided. Pure functions: no database, no clock."""

from dataclasses import dataclass

from coop.proposals.models import Rule

# A rule is met when For / (For + Against) reaches this fraction; abstentions count only
# towards turnout and quorum. (numerator, denominator, strictly greater?)
THRESHOLDS = {
    Rule.MAJORITY: (1, 2, True),
    Rule.TWO_THIRDS: (2, 3, False),
    Rule.THREE_QUARTERS: (3, 4, False),
}


@dataclass(frozen=True)
class Result:
    votes_for: int
    votes_against: int
    votes_abstain: int
    electorate: int
    quorum_met: bool
    carried: bool

    @property
    def turnout(self) -> int:
        return self.votes_for + self.votes_against + self.votes_abstain


def quorum_met(turnout: int, electorate: int, quorum_percent: int | None) -> bool:
    if not quorum_percent:
        return True
    return turnout * 100 >= quorum_percent * electorate


def rule_met(rule: Rule, votes_for: int, votes_against: int) -> bool:
    decided = votes_for + votes_against
    if votes_for == 0:
        return False
    numerator, denominator, strictly = THRESHOLDS[rule]
    share, needed = votes_for * denominator, numerator * decided
    return share > needed if strictly else share >= needed


def decide(
    rule: Rule,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    electorate: int,
    quorum_percent: int | None,
) -> Result:
    turnout = votes_for + votes_against + votes_abstain
    quorum = quorum_met(turnout, electorate, quorum_percent)
    return Result(
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        electorate=electorate,
        quorum_met=quorum,
        carried=quorum and rule_met(rule, votes_for, votes_against),
    )
