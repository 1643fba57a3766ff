"""Pure decisions about voting at general meetings: the rules' settings, quorum, whether a
resolution is carried, and what is open when."""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from coop.meetings.voting.models import Outcome


@dataclass(frozen=True)
class VotingRules:
    """What the society's rules say of voting at general meetings (config.py). The Act
    leaves quorum and proxies to the rules (Sch 1 para 5: docs/meetings.md)."""

    quorum_percent: int
    quorum_members: int
    check_in_opens: timedelta
    closes_after: timedelta
    proxies: bool
    proxies_count_for_quorum: bool
    proxy_deadline: timedelta
    proxy_max_per_holder: int  # 0: no limit

    @classmethod
    def from_config(cls, config: Mapping) -> "VotingRules":
        """The settings, as config.py reads them from the environment (text or numbers).
        A value that is not one raises ValueError naming the setting."""

        def number(name: str, kind=int):
            value = config[name]
            try:
                return kind(value)
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be a number, not {value!r}") from None

        return cls(
            quorum_percent=number("COOP_GM_QUORUM_PERCENT"),
            quorum_members=number("COOP_GM_QUORUM_MEMBERS"),
            check_in_opens=timedelta(minutes=number("COOP_GM_CHECK_IN_OPENS_MINUTES")),
            closes_after=timedelta(hours=number("COOP_GM_VOTING_CLOSES_AFTER_HOURS", float)),
            proxies=_flag(config, "COOP_GM_PROXIES"),
            proxies_count_for_quorum=_flag(config, "COOP_GM_PROXIES_COUNT_FOR_QUORUM"),
            proxy_deadline=timedelta(hours=number("COOP_GM_PROXY_DEADLINE_HOURS", float)),
            proxy_max_per_holder=number("COOP_GM_PROXY_MAX_PER_HOLDER"),
        )

    def quorum(self, members: int) -> int:
        return quorum(members, self.quorum_percent, self.quorum_members)


ON = frozenset({"1", "true", "yes", "on"})
OFF = frozenset({"0", "false", "no", "off"})


def _flag(config: Mapping, name: str) -> bool:
    """A setting that is on or off: a bool, or 1/0, true/false, yes/no, on/off (any case)
    from the environment. Anything else is refused, naming the setting, never guessed: a
    typo must not silently turn proxies off (or on)."""
    value = config[name]
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ON:
            return True
        if word in OFF:
            return False
    raise ValueError(f"{name} must be on or off (1/0, true/false, yes/no, on/off), not {value!r}")


def quorum(members: int, percent: int, number: int) -> int:
    """Members needed present: `percent` of the current members (rounded up: 10% of 55
    is 6) or `number`, whichever is fewer; never fewer than one."""
    share = math.ceil(Fraction(members * percent, 100))
    return max(1, min(share, number))


def outcome(
    votes_for: int, votes_against: int, majority: Fraction, more_than: bool, quorate: bool
) -> Outcome:
    """Carried when For is more than (or at least) `majority` of the votes For and Against;
    abstentions are not votes cast. An inquorate meeting carries nothing."""
    if not quorate:
        return Outcome.INQUORATE
    cast = votes_for + votes_against
    if cast == 0:
        return Outcome.NOT_CARRIED
    share = Fraction(votes_for, cast)
    carried = share > majority if more_than else share >= majority
    return Outcome.CARRIED if carried else Outcome.NOT_CARRIED


class Phase(StrEnum):
    ADVANCE = "advance"  # notice given, the meeting has not started: everyone votes online
    MEETING = "meeting"  # started: only in the chair's window, only members present
    WINDOW = "window"  # the chair's in-meeting window is open
    CLOSED = "closed"  # counted


def phase(
    now: datetime, starts_at: datetime, window_opened_at: datetime | None, closed_at
) -> Phase:
    if closed_at is not None:
        return Phase.CLOSED
    if now < starts_at:
        return Phase.ADVANCE
    return Phase.WINDOW if window_opened_at is not None else Phase.MEETING


def check_in_open(now: datetime, starts_at: datetime, opens_before: timedelta, closed) -> bool:
    return closed is None and now >= starts_at - opens_before


def proxy_deadline(starts_at: datetime, before: timedelta) -> datetime:
    return starts_at - before
