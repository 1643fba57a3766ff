"""Setting up a board election and taking its nominations: the rules and the writes, each
audited. Callers commit.

Exactly once: one nomination per candidate per election and one seconding per member per
nomination are unique constraints; each insert runs in a SAVEPOINT, so the second of two
parallel requests is told why (409) and the first stands. Who may act is decided here from
the acting account, so the pages, and any later API or command, ask the same questions."""

import secrets
from collections.abc import Mapping
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from coop.accounts.models import Member
from coop.audit import services as audit
from coop.elections import queries, rules
from coop.elections.models import (
    REASON_MAX,
    SEATS_MAX,
    SECONDERS_MAX,
    STATEMENT_MAX,
    WORDS_MAX,
    Election,
    ElectionState,
    Nomination,
    Seconding,
)
from coop.elections.voting.models import CANDIDATES_MAX
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.meetings import services as meetings
from coop.meetings.models import AgendaItem, ItemKind, Meeting
from coop.membership.models import Membership
from coop.membership.permissions import current_membership, is_coop_member, require_secretary
from coop.notifications.services import notify
from coop.uktime import from_uk_local, utcnow
from coop.uktime import uk_when as when
from coop.validation import optional_text, required_text

NOT_FOUND = "We could not find that election."


def settings() -> rules.ElectionRules:
    return rules.ElectionRules.from_config(current_app.config)


def window(election: Election, now: datetime | None = None) -> str:
    return rules.window(
        now or utcnow(), election.nominations_open_at, election.nominations_close_at,
        election.state == ElectionState.CLOSED,
    )  # fmt: skip


# Who sees an election ------------------------------------------------------------------------


def readable_election(actor: Member | None, election_id: int) -> Election:
    """An election, for members of the co-operative and officers; anyone else is told it
    does not exist, as for its meeting."""
    election = db.session.get(Election, election_id)
    if election is None or not meetings.may_read(actor):
        raise NotFound(NOT_FOUND)
    return election


def list_elections(actor: Member | None) -> list:
    if not meetings.may_read(actor):
        raise NotFound("We could not find that page.")
    return queries.elections()


def _locked(election_id: int) -> Election:
    election = db.session.scalar(
        select(Election)
        .where(Election.id == election_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if election is None:
        raise NotFound(NOT_FOUND)
    return election


def _open(actor: Member, election_id: int) -> Election:
    election = readable_election(actor, election_id)
    state = window(election)
    if state == rules.Window.NOT_OPEN:
        raise Conflict(f"Nominations open on {when(election.nominations_open_at)}.")
    if state == rules.Window.CLOSED:
        raise Conflict("Nominations for this election have closed.")
    return election


def _own_membership(actor: Member, what: str) -> Membership:
    membership = current_membership(actor.id) if is_coop_member(actor) else None
    if membership is None:
        raise NotAllowed(f"Only members of the co-operative can {what}.")
    return membership


# The election ----------------------------------------------------------------------------------


def _number(value: int | None, field: str, low: int, high: int, what: str) -> int:
    if value is None or isinstance(value, bool) or not low <= value <= high:
        raise Invalid(f"Enter {what}: a whole number from {low} to {high}.", field)
    return value


def _moment(local: datetime | None, field: str, what: str) -> datetime:
    if local is None:
        raise Invalid(f"Enter {what}.", field)
    if not 2000 <= local.year <= 2999:
        raise Invalid("Enter a date from the year 2000 to 2999.", field)
    return from_uk_local(local.replace(tzinfo=None, second=0, microsecond=0))


def _details(meeting: Meeting, seats, method, opens_local, closes_local, seconders, words) -> dict:
    allowed = settings().methods
    if method not in allowed:
        raise Invalid("Choose a voting method the society's rules provide for.", "method")
    opens = _moment(opens_local, "nominations_open_at", "when nominations open")
    closes = _moment(closes_local, "nominations_close_at", "when nominations close")
    if closes <= opens:
        raise Invalid("Nominations must close after they open.", "nominations_close_at")
    if closes <= utcnow():
        raise Invalid("Nominations must close in the future.", "nominations_close_at")
    if closes > meeting.starts_at:
        raise Invalid(
            f"Nominations must close before the meeting, on {when(meeting.starts_at)}.",
            "nominations_close_at",
        )
    return {
        "seats": _number(seats, "seats", 1, SEATS_MAX, "the number of seats"),
        "method": method, "nominations_open_at": opens, "nominations_close_at": closes,
        "seconders_required": _number(seconders, "seconders_required", 0, SECONDERS_MAX,
                                      "the number of seconders"),
        "statement_word_limit": _number(words, "statement_word_limit", 1, WORDS_MAX,
                                        "the word limit"),
    }  # fmt: skip


def election_item(actor: Member, item_id: int) -> tuple[AgendaItem, Meeting]:
    """An election item of a meeting of which notice was given: its agenda is then fixed,
    so the item an election belongs to cannot be removed from under it."""
    require_secretary(actor)
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.kind != ItemKind.ELECTION:
        raise NotFound("We could not find that election item.")
    meeting = db.session.get(Meeting, item.meeting_id)
    if meeting.is_draft:
        raise Conflict("Give notice of the meeting before taking nominations for its election.")
    return item, meeting


def create_election(
    actor: Member,
    item_id: int,
    seats: int | None,
    method: str,
    opens_local: datetime | None,
    closes_local: datetime | None,
    seconders: int | None,
    words: int | None,
) -> Election:
    """The secretary sets up the election of an agenda item; its lot seed is drawn now."""
    item, meeting = election_item(actor, item_id)
    values = _details(meeting, seats, method, opens_local, closes_local, seconders, words)
    election = Election(
        agenda_item_id=item.id, lot_seed=secrets.token_hex(32), created_by_id=actor.id, **values
    )
    try:
        with db.session.begin_nested():
            db.session.add(election)
    except IntegrityError:
        raise Conflict("This item already has its election.") from None
    audit.record(actor, "election.create", "election", election.id, item=item.id,
                 seats=election.seats, method=method, lot_seed=election.lot_seed)  # fmt: skip
    return election


def update_election(
    actor: Member,
    election_id: int,
    seats: int | None,
    method: str,
    opens_local: datetime | None,
    closes_local: datetime | None,
    seconders: int | None,
    words: int | None,
) -> Election:
    """Changed only before nominations open: afterwards members are acting on what it said."""
    require_secretary(actor)
    election = _locked(election_id)
    if window(election) != rules.Window.NOT_OPEN:
        raise Conflict("Nominations have opened: the election's details are fixed.")
    item = db.session.get(AgendaItem, election.agenda_item_id)
    meeting = db.session.get(Meeting, item.meeting_id)
    for name, value in _details(
        meeting, seats, method, opens_local, closes_local, seconders, words
    ).items():
        setattr(election, name, value)
    db.session.flush()
    audit.record(actor, "election.update", "election", election_id, seats=election.seats,
                 method=election.method)  # fmt: skip
    return election


def close_nominations(actor: Member, election_id: int) -> None:
    """The secretary closes nominations before their time (they close by time anyway)."""
    require_secretary(actor)
    election = _locked(election_id)
    if window(election) == rules.Window.CLOSED:
        raise Conflict("Nominations for this election have closed already.")
    db.session.execute(
        update(Election)
        .where(Election.id == election_id, Election.state == ElectionState.NOMINATIONS)
        .values(state=ElectionState.CLOSED, closed_at=utcnow())
    )
    audit.record(actor, "election.close", "election", election_id)


# Nominations ---------------------------------------------------------------------------------


def _inserted(row, message: str, field: str | None = None) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(message, field) from None


ALREADY_NOMINATED = "That member is already nominated in this election."


def nominate(actor: Member, election_id: int, membership_number: int | None) -> Nomination:
    """A member nominates another member of the co-operative, by membership number. The
    nominee stands only once they accept (`stand`)."""
    election = _open(actor, election_id)
    own = _own_membership(actor, "nominate")
    field = "membership_number"
    candidate = db.session.get(Membership, membership_number) if membership_number else None
    if candidate is None or not candidate.is_current:
        raise Invalid("No current member of the co-operative has that membership number.", field)
    if candidate.id == own.id:
        raise Invalid("To nominate yourself, use the form to stand for election.", field)
    account = db.session.get(Member, candidate.account_id) if candidate.account_id else None
    if account is None:
        raise Invalid("That member has no account here, so cannot accept a nomination.", field)
    if _nomination_of(election.id, candidate.id) is not None:
        raise Conflict(ALREADY_NOMINATED, field)
    nomination = Nomination(
        election_id=election.id, membership_id=candidate.id, candidate_id=account.id,
        candidate_name=account.display_name, nominated_by_membership_id=own.id,
        nominated_by_id=actor.id,
    )  # fmt: skip
    _inserted(nomination, ALREADY_NOMINATED, field)
    audit.record(actor, "nomination.create", "election", election.id, nomination=nomination.id,
                 candidate=candidate.id)  # fmt: skip
    notify(
        account,
        f"{actor.display_name} nominated you for the board election. To stand, accept the "
        "nomination and make the declarations before nominations close.",
        "elections.show", email=True, election_id=election.id,
    )  # fmt: skip
    return nomination


def _nomination_of(election_id: int, membership_id: int) -> Nomination | None:
    return db.session.scalar(
        select(Nomination)
        .where(Nomination.election_id == election_id, Nomination.membership_id == membership_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def checked_statement(election: Election, statement: str | None) -> str:
    text = optional_text(statement, "statement", STATEMENT_MAX, "the statement")
    words = rules.count_words(text)
    if words > election.statement_word_limit:
        raise Invalid(
            f"The statement must be {election.statement_word_limit} words or fewer: "
            f"it has {words}.",
            "statement",
        )
    return text


def stand(
    actor: Member, election_id: int, declared: Mapping[str, bool], statement: str | None
) -> Nomination:
    """The candidate stands: they nominate themself, or accept another member's nomination
    of them, or send a new statement. Each time they make every declaration."""
    election = _open(actor, election_id)
    own = _own_membership(actor, "stand for the board")
    for declaration in rules.declarations(settings().max_terms):
        if not declared.get(declaration.field):
            raise Invalid("Confirm this declaration to stand.", declaration.field)
    text = checked_statement(election, statement)
    nomination = _nomination_of(election.id, own.id)
    if nomination is not None and nomination.withdrawn_at is not None:
        raise Conflict("You withdrew from this election: a withdrawal is final.")
    if nomination is None or nomination.accepted_at is None:
        _room_on_the_paper(election.id)
    values = {
        **dict.fromkeys(rules.DECLARATION_FIELDS, True), "candidate_id": actor.id,
        "candidate_name": actor.display_name, "statement": text,
        "statement_rejected_at": None, "statement_rejected_reason": "",
    }  # fmt: skip
    if nomination is None:
        kind = "self"
        nomination = Nomination(
            election_id=election.id, membership_id=own.id, nominated_by_membership_id=own.id,
            nominated_by_id=actor.id, accepted_at=utcnow(), **values,
        )  # fmt: skip
        _inserted(nomination, "You are nominated in this election already.")
    else:
        kind = "statement" if nomination.accepted_at else "accept"
        for name, value in values.items():
            setattr(nomination, name, value)
        nomination.accepted_at = nomination.accepted_at or utcnow()
        db.session.flush()
    audit.record(actor, "nomination.stand", "election", election.id, nomination=nomination.id,
                 kind=kind, words=rules.count_words(text))  # fmt: skip
    return nomination


def _room_on_the_paper(election_id: int) -> None:
    """No more candidates standing than a ballot paper holds (CANDIDATES_MAX): the one who
    would be one too many is refused. The election's row is locked, so parallel acceptances
    are counted one after the other."""
    _locked(election_id)
    standing = db.session.scalar(
        select(func.count(Nomination.id))
        .join(Membership, Membership.id == Nomination.membership_id)
        .where(
            Nomination.election_id == election_id,
            Nomination.accepted_at.is_not(None),
            Nomination.withdrawn_at.is_(None),
            Membership.ceased_on.is_(None),
        )
    )
    if standing >= CANDIDATES_MAX:
        raise Conflict(
            f"{standing} candidates are standing already, and a ballot paper holds at most "
            f"{CANDIDATES_MAX}: no more can stand in this election."
        )


def _candidates_nomination(actor: Member, election: Election) -> Nomination:
    nomination = db.session.scalar(
        select(Nomination)
        .where(Nomination.election_id == election.id, Nomination.candidate_id == actor.id)
        .with_for_update()
    )
    if nomination is None:
        raise NotFound("You are not nominated in this election.")
    return nomination


def withdraw(actor: Member, election_id: int) -> None:
    """The candidate withdraws (or declines a nomination) before nominations close."""
    election = _open(actor, election_id)
    nomination = _candidates_nomination(actor, election)
    if nomination.withdrawn_at is not None:
        raise Conflict("You have withdrawn from this election already.")
    nomination.withdrawn_at = utcnow()
    db.session.flush()
    audit.record(actor, "nomination.withdraw", "election", election.id, nomination=nomination.id)


ALREADY_SECONDED = "You have seconded this nomination already."


def second(actor: Member, election_id: int, nomination_id: int) -> Seconding:
    """Another member of the co-operative seconds an accepted nomination, once: not the
    candidate, and not the member who nominated them."""
    election = _open(actor, election_id)
    own = _own_membership(actor, "second a nomination")
    nomination = db.session.get(Nomination, nomination_id)
    if (
        nomination is None
        or nomination.election_id != election.id
        or nomination.accepted_at is None
    ):
        raise NotFound("We could not find that nomination.")
    if nomination.withdrawn_at is not None:
        raise Conflict("The candidate has withdrawn.")
    if nomination.membership_id == own.id:
        raise NotAllowed("You cannot second your own nomination.")
    if nomination.nominated_by_membership_id == own.id:
        raise NotAllowed("You nominated this candidate: seconders are other members.")
    seconding = Seconding(nomination_id=nomination.id, membership_id=own.id,
                          seconded_by_id=actor.id)  # fmt: skip
    _inserted(seconding, ALREADY_SECONDED)
    audit.record(actor, "nomination.second", "election", election.id, nomination=nomination.id)
    return seconding


def reject_statement(actor: Member, election_id: int, nomination_id: int, reason: str) -> None:
    """The secretary takes down a statement that breaks the election's rules, saying why;
    the candidate may send another before nominations close. The nomination stands."""
    require_secretary(actor)
    reason = required_text(reason, "reason", REASON_MAX, "the reason")
    nomination = db.session.get(Nomination, nomination_id, with_for_update=True)
    if nomination is None or nomination.election_id != election_id:
        raise NotFound("We could not find that nomination.")
    if not nomination.statement or nomination.statement_rejected_at is not None:
        raise Conflict("There is no statement to take down.")
    nomination.statement_rejected_at = utcnow()
    nomination.statement_rejected_reason = reason
    db.session.flush()
    audit.record(actor, "nomination.reject_statement", "election", election_id, reason=reason,
                 nomination=nomination_id)  # fmt: skip
    candidate = db.session.get(Member, nomination.candidate_id) if nomination.candidate_id else None
    if candidate is not None:
        notify(
            candidate,
            f"The secretary took down your election statement: {reason} "
            "You may send another before nominations close.",
            "elections.show", email=True, election_id=election_id,
        )  # fmt: skip
