"""Proposals: put a question to the members, take secret votes, close and publish. Callers
commit, except close_proposal, which is its own unit of work (scheduled task or page read)."""

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Integer, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import lazyload

from coop.accounts.models import Member
from coop.accounts.permissions import (
    is_member,
    require_contributor,
    require_organiser,
    sees_members_only,
)
from coop.audit import services as audit
from coop.ballots import services as ballots
from coop.ballots.crypto import CryptoError
from coop.ballots.keys import KeyMissing
from coop.ballots.models import BallotBox, BoxVoter
from coop.db.dialects import checkpoint_sqlite
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.ideas.models import Idea, Stage
from coop.ideas.services import get_idea, make_slug
from coop.markdown import render_markdown
from coop.membership import signals as membership_signals
from coop.membership.models import Membership
from coop.membership.permissions import is_coop_member
from coop.proposals.models import (
    BODY_MAX,
    CHOICES,
    QUESTION_MAX,
    WEIGHTS,
    Choice,
    Electorate,
    Proposal,
    Rule,
    Visibility,
)
from coop.proposals.rules import decide
from coop.uktime import utcnow
from coop.validation import optional_text, required_text

log = logging.getLogger(__name__)


def visible_proposal(actor: Member | None, proposal_id: int, with_idea: bool = True) -> Proposal:
    """The proposal if this reader may see it; members-only ones do not exist for visitors.
    Loaded with the idea it came from unless the caller does not need it."""
    options = () if with_idea else (lazyload(Proposal.idea),)
    proposal = db.session.get(Proposal, proposal_id, options=options)
    if proposal is None or (not proposal.is_public and not sees_members_only(actor)):
        raise NotFound("We could not find that proposal.")
    return proposal


def create_proposal(
    actor: Member,
    question: str,
    body: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
    rule: str,
    quorum_percent: int | None,
    visibility: str,
    idea_id: int | None = None,
    now: datetime | None = None,
    electorate: str = Electorate.SUPPORTERS,
) -> Proposal:
    require_organiser(actor)
    now = now or utcnow()
    question = required_text(question, "question", QUESTION_MAX, "the question")
    body = optional_text(body, "body", BODY_MAX, "the background")
    if rule not in set(Rule):
        raise Invalid("Choose how the vote is decided.", "rule")
    if visibility not in set(Visibility):
        raise Invalid("Choose who can see this proposal.", "visibility")
    if electorate not in set(Electorate):
        raise Invalid("Choose who votes.", "electorate")
    if quorum_percent is not None and not 1 <= quorum_percent <= 100:
        raise Invalid("The quorum is a percentage from 1 to 100, or empty.", "quorum_percent")
    if opens_at is None:
        raise Invalid("Enter when voting opens.", "opens_at")
    if closes_at is None:
        raise Invalid("Enter when voting closes.", "closes_at")
    if closes_at <= opens_at:
        raise Invalid("Voting must close after it opens.", "closes_at")
    if closes_at <= now:
        raise Invalid("Voting must close in the future.", "closes_at")
    idea = _idea_to_put_to_vote(idea_id) if idea_id else None
    proposal = Proposal(
        question=question,
        slug=_slug(question),
        body=body,
        body_html=render_markdown(body),
        opens_at=max(opens_at, now),
        closes_at=closes_at,
        rule=rule,
        quorum_percent=quorum_percent,
        visibility=visibility,
        electorate_kind=electorate,
        idea=idea,
        created_by_id=actor.id,
        ballot_box=ballots.open_box(WEIGHTS),
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(actor, "proposal.open", "proposal", proposal.id, reason="Put to a member vote",
                 question=question, idea_id=proposal.idea_id)  # fmt: skip
    return proposal


def _slug(question: str) -> str:
    """Never "ballots": /proposals/<id>/ballots is the vote's list of ballots."""
    slug = make_slug(question, "proposal")
    return "proposal-ballots" if slug == "ballots" else slug


def _idea_to_put_to_vote(idea_id: int) -> Idea:
    idea = get_idea(idea_id)
    if idea.stage != Stage.DISCUSSION:
        raise Conflict("Only an idea open for discussion can be put to a vote.")
    if not idea.is_published:
        raise Conflict("This idea is under moderators' review and cannot be put to a vote yet.")
    active = select(Proposal.id).where(Proposal.idea_id == idea.id, Proposal.withdrawn_at.is_(None))
    if db.session.scalar(active):
        raise Conflict("This idea has already been put to a vote.")
    idea.stage = Stage.VOTING
    return idea


def proposal_for_idea(reader: Member | None, idea: Idea) -> Proposal | None:
    """The vote an idea was put to (not a withdrawn one), if this reader may see it."""
    proposal = idea.live_proposal
    if proposal is None or (not proposal.is_public and not sees_members_only(reader)):
        return None
    return proposal


def withdraw_proposal(actor: Member, proposal_id: int, reason: str) -> Proposal:
    """Withdraw a vote before it closes, discarding its ballots; the members are owed a
    reason, which the page shows and the audit log keeps."""
    require_organiser(actor)
    proposal = visible_proposal(actor, proposal_id)
    reason = required_text(reason, "reason", 500, "the reason for withdrawing this vote")
    if proposal.closed_at is not None or proposal.withdrawn_at is not None:
        raise Conflict("This vote has already closed or been withdrawn.")
    proposal.withdrawn_at = utcnow()
    audit.record(actor, "proposal.withdraw", "proposal", proposal.id, reason=reason)
    proposal.withdrawn_reason = reason
    ballots.close(proposal.ballot_box_id, proposal.withdrawn_at)
    ballots.discard(proposal.ballot_box_id)  # the key goes after the commit
    if proposal.idea is not None:
        proposal.idea.stage = Stage.DISCUSSION
    return proposal


def my_ballot(actor: Member | None, proposal: Proposal) -> bytes | None:
    """The tracker of this member's current ballot, if they voted: never how they voted,
    which nobody can read back."""
    if not is_member(actor):
        return None
    return ballots.my_tracker(proposal.ballot_box_id, actor.id)


@dataclass(frozen=True)
class Cast:
    slug: str
    tracker: bytes


def not_in_the_electorate(reader: Member | None, proposal: Proposal) -> bool:
    """A signed-in supporter reading a binding proposal who is not a member of the
    co-operative: the page says so instead of showing the ballot. One statement, only then."""
    if proposal.electorate_kind != Electorate.MEMBERS:
        return False
    return is_member(reader) and not is_coop_member(reader)


NOT_A_MEMBER = (
    "Only members of the co-operative vote on this proposal. Supporters can become members "
    "from their membership page."
)


def cast_vote(actor: Member, proposal_id: int, choice: str, now: datetime | None = None) -> Cast:
    """Record or change this member's vote, encrypted: the proposal's slug (for the way
    back) and the new ballot's tracker. Encrypted first, then the box is locked only to
    append it: the vote must be open at that moment, or nothing is written."""
    require_contributor(actor)
    now = now or utcnow()
    if choice not in set(Choice):
        raise Invalid("Choose For, Against or Abstain.", "choice")
    index = CHOICES.index(Choice(choice))
    for fresh in (False, True):  # a box remembered from another database: look again
        box = _box_of(proposal_id, fresh)
        if box is None:
            break
        if box.members_only and not is_coop_member(actor):
            if not fresh:
                continue
            raise NotAllowed(NOT_A_MEMBER)
        sealed = ballots.seal(box.box_id, box.public, WEIGHTS, index)
        rule = {"proposal_id": proposal_id, "now": now}
        if ballots.cast(sealed, actor.id, _STILL_OPEN, rule) is not None:
            return Cast(box.slug, sealed.tracker)
    proposal = visible_proposal(actor, proposal_id)  # nothing written: say why
    if proposal.electorate_kind == Electorate.MEMBERS and not is_coop_member(actor):
        raise NotAllowed(NOT_A_MEMBER)  # a membership that ended as the box was locked
    if proposal.withdrawn_at is not None:
        raise Conflict("This proposal was withdrawn.")
    if now < proposal.opens_at:
        raise Conflict("Voting has not opened yet.")
    raise Conflict("Voting has closed.")


@dataclass(frozen=True)
class _Box:
    box_id: int
    public: bytes
    slug: str
    electorate_kind: str

    @property
    def members_only(self) -> bool:
        return self.electorate_kind == Electorate.MEMBERS


_boxes: dict[int, _Box] = {}  # proposal id -> its box; neither changes once created


def _box_of(proposal_id: int, fresh: bool) -> _Box | None:
    """The proposal's box and key, remembered by this process: a vote is a busy write
    when one closes, and this spares it a statement."""
    if not fresh and proposal_id in _boxes:
        return _boxes[proposal_id]
    row = db.session.execute(
        select(
            Proposal.ballot_box_id, BallotBox.public_key, Proposal.slug, Proposal.electorate_kind
        )
        .join(BallotBox, BallotBox.id == Proposal.ballot_box_id)
        .where(Proposal.id == proposal_id)
    ).first()
    if row is None or row.public_key is None:
        return None
    if len(_boxes) > 10_000:
        _boxes.clear()
    _boxes[proposal_id] = _Box(*row)
    return _boxes[proposal_id]


# The proposal takes ballots at `now`: checked under the box's lock (withdrawing and closing
# also close the box, which the lock sees). Built once, as the lock's statement is.
_NOW = bindparam("now", type_=Proposal.opens_at.type)
_STILL_OPEN = exists().where(
    Proposal.id == bindparam("proposal_id", type_=Integer),
    Proposal.ballot_box_id == BallotBox.id,
    Proposal.withdrawn_at.is_(None),
    Proposal.closed_at.is_(None),
    Proposal.opens_at <= _NOW,
    Proposal.closes_at > _NOW,
    # The electorate, checked again as the box is locked: a membership that ended a moment
    # ago casts nothing (the lock statement binds the member as "member_id").
    or_(
        Proposal.electorate_kind == Electorate.SUPPORTERS,
        exists().where(
            Membership.account_id == bindparam("member_id", type_=Integer),
            Membership.ceased_on.is_(None),
        ),
    ),
)


def remove_ballots(member_id: int) -> int:
    """Take this member's ballots out of every vote still open (consent withdrawn)."""
    open_boxes = db.session.execute(
        select(BallotBox.id, BallotBox.public_key)
        .join(BoxVoter, BoxVoter.box_id == BallotBox.id)
        .where(BoxVoter.member_id == member_id, BallotBox.closed_at.is_(None))
        .order_by(BallotBox.id)
    ).all()
    return sum(ballots.remove(box_id, member_id) for box_id, _public in open_boxes)


@membership_signals.ceased.connect
def remove_ballots_of_former_member(account_id: int, **_) -> int:
    """A membership ended: their ballots leave the open votes only members may cast (public
    removal entries, as for withdrawn consent); votes open to every supporter keep them."""
    open_boxes = db.session.scalars(
        select(Proposal.ballot_box_id)
        .join(BoxVoter, BoxVoter.box_id == Proposal.ballot_box_id)
        .join(BallotBox, BallotBox.id == Proposal.ballot_box_id)
        .where(
            Proposal.electorate_kind == Electorate.MEMBERS,
            BoxVoter.member_id == account_id,
            BallotBox.closed_at.is_(None),
        )
        .order_by(Proposal.ballot_box_id)
    ).all()
    return sum(ballots.remove(box_id, account_id) for box_id in open_boxes)


def electorate_size(kind: str = Electorate.SUPPORTERS) -> int:
    """Those entitled to vote: supporters with a confirmed address and consent to take
    part; for a binding vote, members of the co-operative (however many shares they hold)."""
    if kind == Electorate.MEMBERS:
        return db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.ceased_on.is_(None))
        )
    return db.session.scalar(
        select(func.count())
        .select_from(Member)
        .where(Member.email_verified_at.is_not(None), Member.political_opinions_consent)
    )


def close_proposal(proposal_id: int, now: datetime | None = None) -> bool:
    """Count and publish a vote whose window has ended: the ballots are added up under
    encryption and only the total is decrypted, with a proof anyone can check; then the
    vote's key is destroyed. Idempotent: only the caller that claims the row does the work.
    Commits."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(Proposal)
        .where(
            Proposal.id == proposal_id,
            Proposal.closed_at.is_(None),
            Proposal.withdrawn_at.is_(None),
            Proposal.closes_at <= now,
        )
        .values(closed_at=now)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return False
    proposal = db.session.get(Proposal, proposal_id, populate_existing=True)
    ballots.close(proposal.ballot_box_id, now)  # waits for any ballot being cast
    try:
        counts = dict(zip(CHOICES, ballots.count(proposal.ballot_box), strict=True))
    except (KeyMissing, CryptoError):
        # Nothing is published and the vote stays uncounted (pages say so); each run of the
        # closing task tries again, for instance once the key folder is mounted.
        log.exception("Vote %s could not be counted", proposal_id)
        db.session.rollback()
        return False
    result = decide(
        Rule(proposal.rule),
        counts[Choice.FOR],
        counts[Choice.AGAINST],
        counts[Choice.ABSTAIN],
        electorate_size(proposal.electorate_kind),
        proposal.quorum_percent,
    )
    proposal.votes_for = result.votes_for
    proposal.votes_against = result.votes_against
    proposal.votes_abstain = result.votes_abstain
    proposal.electorate = result.electorate
    proposal.quorum_met = result.quorum_met
    proposal.outcome = "carried" if result.carried else "not_carried"
    if proposal.idea is not None:
        proposal.idea.stage = Stage.CARRIED if result.carried else Stage.NOT_CARRIED
    db.session.commit()
    ballots.destroy_spent_keys()
    checkpoint_sqlite()
    return True


def due_proposal_ids(now: datetime | None = None) -> list[int]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Proposal.id).where(
                Proposal.closed_at.is_(None),
                Proposal.withdrawn_at.is_(None),
                Proposal.closes_at <= now,
            )
        )
    )


def close_due_proposals(now: datetime | None = None) -> int:
    return sum(close_proposal(proposal_id, now) for proposal_id in due_proposal_ids(now))


def count_due_on_read(now: datetime, proposal: Proposal | None = None) -> None:
    """The one place a read (a vote's page, the votes list, the API, the results feeds)
    counts a vote past its time: that proposal, or every due one. Only where the setting
    COUNT_DUE_VOTES_ON_READ is on (the default, for `make run`, which has no scheduler);
    in production it is off, the scheduled task counts within a minute, and pages show a
    due vote as closed and being counted meanwhile, so a read never waits for a count."""
    if not current_app.config["COUNT_DUE_VOTES_ON_READ"]:
        return
    if proposal is None:
        close_due_proposals(now)
    elif proposal.is_due_at(now):
        close_proposal(proposal.id, now)
