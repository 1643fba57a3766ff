"""Ideas: submit, edit (with revisions), withdraw, support or oppose. Callers commit."""

from functools import cache
from typing import NamedTuple

from slugify import slugify
from sqlalchemy import Integer, Select, bindparam, exists, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from coop.accounts.models import Member
from coop.accounts.permissions import require_contributor, require_organiser
from coop.audit import services as audit
from coop.cache import counts_only
from coop.comments.models import Comment
from coop.db import dialects
from coop.errors import Conflict, Invalid, NotAllowed, NotFound
from coop.extensions import db
from coop.ideas.models import BODY_MAX, TITLE_MAX, Idea, IdeaRevision, Reaction, Stage, Topic
from coop.ideas.trending import window_start
from coop.markdown import render_markdown
from coop.moderation.rules import initial_state, is_listed
from coop.moderation.states import ModerationState
from coop.proposals.models import Proposal
from coop.uktime import utcnow
from coop.validation import MAX_ID, optional_text, required_text

REACTIONS = {"support": 1, "oppose": -1, "none": 0}
REACTABLE_STAGES = {Stage.DISCUSSION, Stage.VOTING}


def make_slug(text: str, fallback: str) -> str:
    return slugify(text, max_length=80, word_boundary=True) or fallback


def active_topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).where(~Topic.archived).order_by(Topic.name)))


def _topic(topic_id: int | None) -> Topic:
    # A number beyond any id is no topic (PostgreSQL would refuse to look for it).
    topic = db.session.get(Topic, topic_id) if topic_id and 0 < topic_id <= MAX_ID else None
    if topic is None or topic.archived:
        raise Invalid("Choose a topic from the list.", "topic_id")
    return topic


def get_idea(idea_id: int, with_relations: bool = True, reader: Member | None = None) -> Idea:
    """The idea with all its page shows in one query (topic, author, common-ground score,
    the vote it is put to, and the reader's reaction and whether they commented), or alone
    when the caller needs none of it."""
    if not with_relations:
        idea = db.session.get(Idea, idea_id, options=[lazyload(Idea.topic), lazyload(Idea.author)])
    elif reader is None or not reader.is_authenticated:
        idea = db.session.scalar(_idea_page_statement(False), {"idea_id": idea_id})
    else:
        found = db.session.execute(
            _idea_page_statement(True), {"idea_id": idea_id, "reader_id": reader.id}
        ).first()
        idea = found.Idea if found else None
        if idea is not None:  # values, not options: a later refresh of the idea needs none
            set_committed_value(idea, "reader_reaction", found.reaction)
            set_committed_value(idea, "reader_commented", found.commented)
    if idea is None:
        raise NotFound("We could not find that idea.")
    return idea


@cache  # built once, not on every page: building and keying it cost more than running it
def _idea_page_statement(for_a_member: bool) -> Select:
    """The idea (parameter idea_id) with all its page shows; for a member (reader_id), also
    their reaction and whether they commented, as columns `reaction` and `commented`."""
    loaded = select(Idea).options(
        joinedload(Idea.score),
        joinedload(Idea.live_proposal).lazyload(Proposal.idea),  # the idea is known
    )
    if for_a_member:
        reader_id = bindparam("reader_id", type_=Integer)
        reaction = select(Reaction.value).where(
            Reaction.member_id == reader_id, Reaction.idea_id == Idea.id
        )
        commented = exists().where(Comment.idea_id == Idea.id, Comment.author_id == reader_id)
        loaded = loaded.add_columns(
            func.coalesce(reaction.scalar_subquery(), 0).label("reaction"),
            commented.label("commented"),
        )
    return loaded.where(Idea.id == bindparam("idea_id", type_=Integer))


def visible_idea(reader: Member | None, idea_id: int, with_relations: bool = True) -> Idea:
    """The idea if this reader may open its page (as content or as a tombstone)."""
    idea = get_idea(idea_id, with_relations, reader)
    if not is_listed(reader, idea):
        raise NotFound("We could not find that idea.")
    return idea


def submit_idea(actor: Member, title: str, body: str, topic_id: int | None) -> Idea:
    require_contributor(actor)
    title = required_text(title, "title", TITLE_MAX, "a title")
    body = required_text(body, "body", BODY_MAX, "a description of your idea")
    idea = Idea(
        title=title,
        slug=make_slug(title, "idea"),
        body=body,
        body_html=render_markdown(body),
        topic=_topic(topic_id),
        author=actor,
        stage=Stage.DISCUSSION,
        moderation_state=initial_state(actor),
    )
    db.session.add(idea)
    db.session.flush()
    return idea


def _require_author(actor: Member, idea: Idea) -> None:
    require_contributor(actor)
    if idea.author_id != actor.id:
        raise NotAllowed("Only the author can change this idea.")


def check_can_edit(actor: Member, idea: Idea) -> None:
    _require_author(actor, idea)
    if not idea.is_editable:
        raise Conflict("This idea can no longer be edited: it has been put to a vote or closed.")


def edit_idea(actor: Member, idea_id: int, title: str, body: str, topic_id: int | None) -> Idea:
    idea = get_idea(idea_id)
    check_can_edit(actor, idea)
    title = required_text(title, "title", TITLE_MAX, "a title")
    body = required_text(body, "body", BODY_MAX, "a description of your idea")
    topic = _topic(topic_id)
    if (title, body, topic.id) == (idea.title, idea.body, idea.topic_id):
        return idea
    db.session.add(
        IdeaRevision(idea_id=idea.id, title=idea.title, body=idea.body, topic_id=idea.topic_id)
    )
    idea.title, idea.body, idea.topic = title, body, topic
    idea.slug = make_slug(title, "idea")
    idea.body_html = render_markdown(body)
    idea.edited_at = utcnow()
    return idea


def withdraw_idea(actor: Member, idea_id: int) -> Idea:
    idea = get_idea(idea_id)
    _require_author(actor, idea)
    if idea.stage != Stage.DISCUSSION:
        raise Conflict("Only an idea still open for discussion can be withdrawn.")
    idea.stage = Stage.WITHDRAWN
    idea.withdrawn_at = utcnow()
    return idea


def my_reaction(actor: Member | None, idea: Idea) -> int:
    if actor is None or not actor.is_authenticated:
        return 0
    if idea.reader_reaction is not None:  # loaded with the idea for this reader
        return idea.reader_reaction
    value = db.session.scalar(
        select(Reaction.value).where(Reaction.member_id == actor.id, Reaction.idea_id == idea.id)
    )
    return value or 0


class Reacted(NamedTuple):
    value: int  # the member's reaction now: 1, -1 or 0
    slug: str  # of the idea, for the way back to its page


def react(actor: Member, idea_id: int, reaction: str) -> Reacted:
    """Support, oppose or take back ("none"). Counters move in the same transaction."""
    require_contributor(actor)
    if reaction not in REACTIONS:
        raise Invalid("Choose support, oppose or neither.")
    new = REACTIONS[reaction]
    with counts_only(db.session):  # kept pages show counts a little late (coop/cache.py)
        slug = _first_reaction(actor.id, idea_id, new) if new else None
        if slug is None:  # not a first reaction, or not one the idea takes: look closer
            idea = visible_idea(actor, idea_id, with_relations=False)
            if idea.stage not in REACTABLE_STAGES or not idea.is_published:
                raise Conflict("This idea is closed to support and opposition.")
            try:
                new, slug = _change_reaction(actor.id, idea_id, new), idea.slug
            except IntegrityError as error:  # the same member reacting twice at once
                raise Conflict(
                    "Your reaction changed at the same moment elsewhere. Try again."
                ) from error
    loaded = db.session.identity_map.get(identity_key(Idea, idea_id))
    if loaded is not None:
        db.session.expire(loaded, COUNTERS)
    return Reacted(new, slug)


def _change_reaction(member_id: int, idea_id: int, new: int) -> int:
    existing = db.session.scalar(
        select(Reaction)
        .where(Reaction.member_id == member_id, Reaction.idea_id == idea_id)
        .with_for_update()
    )
    old = existing.value if existing else 0
    if old == new:
        return new
    # A support taken back counts against "trending" only if it was recent enough.
    recent = existing is not None and existing.created_at >= window_start(utcnow())
    if existing is None:
        db.session.add(Reaction(member_id=member_id, idea_id=idea_id, value=new))
    elif new == 0:
        db.session.delete(existing)
    else:
        existing.value, existing.created_at = new, utcnow()
    db.session.flush()
    db.session.execute(
        update(Idea).where(Idea.id == idea_id).values(_counters_moved(old, new, recent))
    )
    return new


COUNTERS = ["support_count", "oppose_count", "trending_count"]


def _counters_moved(old: int, new: int, recent: bool) -> dict:
    # Plain ints: PostgreSQL has no integer + boolean operator.
    return {
        Idea.support_count: Idea.support_count + int(new == 1) - int(old == 1),
        Idea.oppose_count: Idea.oppose_count + int(new == -1) - int(old == -1),
        Idea.trending_count: Idea.trending_count + int(new == 1) - int(old == 1 and recent),
    }


def _first_reaction(member_id: int, idea_id: int, value: int) -> str | None:
    """The usual case, without loading the idea: the member's first reaction to a
    published idea open to them, written with its counters in one statement on PostgreSQL
    (two on SQLite); the idea's slug. None, with nothing written, if they had one already
    (the unique key holds it, even at the same moment) or the idea takes none."""
    values = {"member_id": member_id, "idea_id": idea_id, "now": utcnow()}
    insert_first, write = _first_reaction_statements(dialects.name(), value)
    if insert_first is not None and db.session.scalar(insert_first, values) is None:
        return None
    return db.session.scalar(write, values)


@cache  # built once per kind of database: a support is the busiest write there is
def _first_reaction_statements(kind: str, value: int) -> tuple:
    """The statements of _first_reaction, with parameters member_id, idea_id and now: the
    reaction's INSERT on its own (SQLite) or None, and the counters' UPDATE (on PostgreSQL
    with the INSERT inside it), which returns the slug."""
    idea_id = bindparam("idea_id", type_=Integer)
    open_idea = select(
        bindparam("member_id", type_=Integer),
        Idea.id,
        literal(value, Reaction.value.type),
        bindparam("now", type_=Reaction.created_at.type),
    ).where(
        Idea.id == idea_id,
        Idea.moderation_state == ModerationState.PUBLISHED,
        Idea.stage.in_(REACTABLE_STAGES),
    )
    # On the tables, not the entities: statements with parameters, which the ORM would
    # take for bulk writes of rows given as dictionaries.
    inserted = (
        dialects.insert_or_skip(Reaction.__table__, kind)
        .from_select(["member_id", "idea_id", "value", "created_at"], open_idea)
        .on_conflict_do_nothing(index_elements=[Reaction.member_id, Reaction.idea_id])
        .returning(Reaction.id)
    )
    counted = (
        update(Idea.__table__).where(Idea.id == idea_id).values(_counters_moved(0, value, False))
    )
    if not dialects.writes_in_cte(kind):
        return inserted, counted.returning(Idea.slug)
    written = inserted.cte("written")
    return None, counted.where(select(written.c.id).exists()).add_cte(written).returning(Idea.slug)


def create_topic(actor: Member, name: str, description: str) -> Topic:
    require_organiser(actor)
    name = required_text(name, "name", 60, "a name")
    description = optional_text(description, "description", 280, "the description")
    slug = make_slug(name, "topic")
    taken = Conflict("There is already a topic with that name.", "name")
    if db.session.scalar(select(Topic.id).where((Topic.name == name) | (Topic.slug == slug))):
        raise taken
    topic = Topic(name=name, slug=slug, description=description)
    db.session.add(topic)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same name added at the same moment
        raise taken from error
    audit.record(actor, "topic.create", "topic", topic.id, name=name)
    return topic


def set_topic_archived(actor: Member, topic_id: int, archived: bool) -> Topic:
    require_organiser(actor)
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise NotFound("We could not find that topic.")
    if topic.archived != archived:
        audit.record(actor, "topic.archive" if archived else "topic.restore", "topic", topic.id)
        topic.archived = archived
    return topic
