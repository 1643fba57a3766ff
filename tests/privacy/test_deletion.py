"""The right to erasure: a member deletes their account (their words kept as "Former member"
or erased, by their choice), unconfirmed accounts are purged after 7 days, and the
append-only audit log lets exactly one update through: forgetting who a person was."""

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, update

from coop.accounts.models import Member, Role
from coop.accounts.services import find_by_email
from coop.audit import services as audit
from coop.audit.models import AuditEntry
from coop.ballots.models import Ballot, BoxVoter
from coop.ballots.record import counted
from coop.ballots.services import entries
from coop.comments.models import Comment, CommentRevision
from coop.comments.services import add_comment, edit_comment
from coop.digests.models import Digest
from coop.extensions import db
from coop.ideas.models import Idea, IdeaRevision, Reaction
from coop.ideas.services import create_topic, edit_idea, react, submit_idea
from coop.moderation import appeals
from coop.moderation.models import Appeal, ModerationAction
from coop.moderation.services import act, report
from coop.privacy.deletion.services import purge_unverified
from coop.privacy.models import DataExport
from coop.proposals.models import Proposal
from coop.proposals.services import cast_vote, close_proposal
from coop.uktime import utcnow
from coop.updates.services import publish_update
from tests.factories import client_for
from tests.ideas.helpers import titles_listed
from tests.support import PASSWORD, csrf_token, make_member, make_proposal, make_topic
from tests.support import submit as submit_form

PAGE = "/account/delete"
NAME, EMAIL = "Zebulon Quixote", "zebulon.q@example.org"
# How the name can appear: as written, or as the search index stems its words.
NAME_TRACES = ("zebulon", "quixot", EMAIL)
OTHER, ADMIN = "olive@example.org", "ada@example.org"
# Words only the leaving member wrote: in an idea, an idea's earlier version, an idea put to
# a vote, a comment and its earlier version. Each is its own stem, as the index keeps it.
IDEA_WORD, OLD_IDEA_WORD, VOTED_WORD = "xqzvblorft", "plimquard", "zorbquint"
COMMENT_WORD, OLD_COMMENT_WORD = "frobnack", "gwendlyx"
WORDS = (IDEA_WORD, OLD_IDEA_WORD, VOTED_WORD, COMMENT_WORD, OLD_COMMENT_WORD)


def traces(app, *needles: str) -> dict[str, set[str]]:
    """Where in the database any needle appears, case-insensitively: every table (the search
    index's own tables on SQLite included), every column, bytes read as they are stored."""
    found: dict[str, set[str]] = {}
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            for table in tables:
                for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                    for column, value in row._mapping.items():
                        raw = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                        for needle in needles:
                            if needle.lower() in raw.lower():
                                found.setdefault(needle, set()).add(f"{table}.{column}")
    return found


def rows(app, model, *where) -> list:
    with app.app_context():
        found = db.session.scalars(
            select(model).where(*where).order_by(*model.__table__.primary_key)
        ).all()
        db.session.expunge_all()
        return found


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def delete_account(client, contributions: str | None = "keep", password: str | None = PASSWORD):
    data = {"contributions": contributions, "password": password}
    return submit_form(client, PAGE, {k: v for k, v in data.items() if v is not None})


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


@pytest.fixture
def leaver(app):
    """An organiser who has done a bit of everything: ideas (one edited, one put to a vote),
    comments (one edited, one hidden and appealed), supports and oppositions, ballots in an
    open and a closed vote, a report, a topic, a proposal, an update, a sanction that was
    lifted, notifications and emails, a digest and a data export on disk."""
    make_member(app, email=EMAIL, name=NAME, role=Role.ORGANISER)
    make_member(app, email=OTHER, name="Olive Other")
    make_member(app, email=ADMIN, name="Ada Admin", role=Role.ADMIN)
    topic_id = make_topic(app, "Transport")
    with app.test_request_context():
        me, other, admin = (find_by_email(e) for e in (EMAIL, OTHER, ADMIN))
        theirs = submit_idea(other, "Cleaner rivers", "Fund river wardens.", topic_id)
        disliked = submit_idea(other, "Toll roads", "Charge for roads.", topic_id)
        idea = submit_idea(me, "Night buses", f"Buses all night, said {OLD_IDEA_WORD}e.", topic_id)
        edit_idea(
            me, idea.id, "Night buses", f"Buses all night, every night, {IDEA_WORD}.", topic_id
        )
        voted = submit_idea(me, "Free ferries", f"Ferries for all, {VOTED_WORD}.", topic_id)
        comment = add_comment(me, theirs, f"Ponds too, {OLD_COMMENT_WORD}.")
        edit_comment(me, comment.id, f"Ponds and lakes too, {COMMENT_WORD}le.")
        hidden = add_comment(me, theirs, "An off-topic musing.")
        reply = add_comment(other, theirs, "Agreed with the ponds.", parent_id=comment.id)
        add_comment(other, idea, "Good idea from a neighbour.")
        react(me, theirs.id, "support")
        react(me, disliked.id, "oppose")
        react(other, theirs.id, "support")
        create_topic(me, "Housing", "")
        publish_update(me, "Meeting on Friday", "Come along.")
        report(me, "comment", reply.id, "spam", "Looks like spam to me.")
        action = act(admin, "hide", "comment", hidden.id, "Off topic here.", category="off_topic")
        appeals.appeal(me, action.id, "Please look again at my comment.")
        act(admin, "suspend", "member", me.id, "Cooling off.", days=1)
        act(admin, "lift", "member", me.id, "Done.")
        db.session.add(Digest(member_id=me.id, frequency="weekly", period_start=utcnow(),
                              covers_from=utcnow(), status="sent"))  # fmt: skip
        db.session.add(DataExport(member_id=me.id, token="export-token-of-the-leaver",
                                  status="ready", file_name="leaver.zip"))  # fmt: skip
        db.session.commit()
        ids = SimpleNamespace(
            me=me.id, other=other.id, theirs=theirs.id, disliked=disliked.id, idea=idea.id,
            voted=voted.id, comment=comment.id, hidden=hidden.id, hide_action=action.id,
        )  # fmt: skip
    exports = Path(app.config["INSTANCE_DIR"]) / "exports"
    exports.mkdir(exist_ok=True)
    (exports / "leaver.zip").write_bytes(b"the leaver's data")
    ids.export_file = exports / "leaver.zip"
    make_proposal(app, EMAIL, "Shall we meet monthly?")
    ids.voted_proposal = make_proposal(app, ADMIN, "Free ferries?", idea_id=ids.voted)
    ids.open_vote = make_proposal(app, ADMIN, "Open on Sundays?")
    ids.closed_vote = make_proposal(app, ADMIN, "Plant trees?")
    with app.app_context():
        me, other = db.session.get(Member, ids.me), db.session.get(Member, ids.other)
        cast_vote(me, ids.open_vote, "for")
        cast_vote(other, ids.open_vote, "against")
        cast_vote(me, ids.closed_vote, "for")
        db.session.commit()
        assert close_proposal(ids.closed_vote, utcnow() + timedelta(days=2))
    return ids


def test_the_account_page_leads_to_a_deletion_page_with_no_choice_made_for_the_member(app):
    make_member(app)
    client = client_for(app, "member@example.org")
    assert f'href="{PAGE}"' in client.get("/account").get_data(as_text=True)
    html = client.get(PAGE).get_data(as_text=True)
    assert 'type="radio" value="keep"' in html and 'type="radio" value="delete"' in html
    assert "checked" not in html
    assert 'type="password"' in html and "Delete my account" in html
    assert "What is erased" in html and "What remains" in html


def test_a_visitor_is_asked_to_sign_in_and_the_goodbye_page_is_public(client):
    assert client.get(PAGE).headers["Location"].startswith("/sign-in?next=")
    assert client.get("/account/deleted").status_code == 200


@pytest.mark.parametrize(
    ("contributions", "password", "message"),
    [
        ("keep", None, "Enter your password to confirm it is you."),
        ("keep", "", "Enter your password to confirm it is you."),
        ("delete", "not the password at all", "Your password is not right."),
        (None, PASSWORD, "Choose whether your ideas and comments stay or go."),
        ("everything", PASSWORD, "Not a valid choice"),
    ],
)
def test_without_the_password_and_a_choice_nothing_is_deleted(app, contributions, password,
                                                             message):  # fmt: skip
    make_member(app)
    client = client_for(app, "member@example.org")
    response = delete_account(client, contributions, password)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="error-summary"' in html
    assert count(app, Member) == 1
    assert is_signed_in(client)
    assert count(app, AuditEntry, AuditEntry.action == "account.delete") == 0


def test_deletion_needs_the_forms_security_token(app):
    make_member(app)
    client = client_for(app, "member@example.org")
    response = client.post(PAGE, data={"contributions": "keep", "password": PASSWORD})
    assert response.status_code == 400
    assert count(app, Member) == 1


def test_guessing_the_password_here_is_rate_limited(app_factory):
    app = app_factory(LIMIT_SIGNIN_PER_ACCOUNT="2 per minute")
    make_member(app)
    client = client_for(app, "member@example.org")
    assert delete_account(client, password="wrong password one").status_code == 400
    assert delete_account(client, password="wrong password two").status_code == 400
    assert delete_account(client).status_code == 429
    assert count(app, Member) == 1


def test_deleting_ends_every_session_and_frees_the_email_address(app):
    make_member(app, email=EMAIL, name=NAME)
    laptop = client_for(app, EMAIL)
    phone = client_for(app, EMAIL, remember="y")
    remembered = phone.get_cookie("remember_token").value

    response = delete_account(laptop)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/deleted"
    goodbye = laptop.get("/account/deleted").get_data(as_text=True)
    assert "Your account is deleted" in goodbye and "Former member" in goodbye
    assert not is_signed_in(laptop)
    assert laptop.get_cookie("remember_token") is None
    assert not is_signed_in(phone)
    stranger = app.test_client()
    stranger.set_cookie("remember_token", remembered)
    assert not is_signed_in(stranger)
    assert count(app, Member) == 0

    joined = submit_form(app.test_client(), "/join", {
        "display_name": "Zeb Again", "email": EMAIL, "password": PASSWORD,
        "notice_version": app.config["PRIVACY_NOTICE_VERSION"],
        "accept_privacy": "y", "political_consent": "y",
    })  # fmt: skip
    assert joined.headers["Location"] == "/check-your-email/join"
    [again] = rows(app, Member)
    assert (again.email, again.display_name, again.is_verified) == (EMAIL, "Zeb Again", False)


def test_kept_contributions_stay_readable_as_by_a_former_member(app, leaver):
    assert delete_account(client_for(app, EMAIL), "keep").status_code == 302

    visitor = app.test_client()
    idea_page = visitor.get(f"/ideas/{leaver.idea}", follow_redirects=True).get_data(as_text=True)
    assert "By Former member," in idea_page
    assert IDEA_WORD in idea_page
    assert "Good idea from a neighbour." in idea_page
    rivers = visitor.get(f"/ideas/{leaver.theirs}", follow_redirects=True).get_data(as_text=True)
    assert "<strong>Former member</strong>" in rivers
    assert f"{COMMENT_WORD}le" in rivers
    listing = visitor.get("/ideas").get_data(as_text=True)
    assert "· by Former member" in listing
    assert NAME not in listing + idea_page + rivers
    [idea] = rows(app, Idea, Idea.id == leaver.idea)
    assert idea.author_id is None and idea.title == "Night buses"
    assert count(app, IdeaRevision, IdeaRevision.idea_id == leaver.idea) == 1


@pytest.mark.parametrize("contributions", ["keep", "delete"])
def test_no_table_keeps_the_name_or_email_address(app, leaver, contributions):
    before = traces(app, *NAME_TRACES)
    assert {"members.display_name", "members.email"} <= before["zebulon"] | before[EMAIL]
    assert "audit_entries.actor_name" in before["zebulon"]
    assert "outbound_emails.to_address" in before[EMAIL]

    assert delete_account(client_for(app, EMAIL), contributions).status_code == 302

    assert traces(app, *NAME_TRACES) == {}
    for model in (Reaction, BoxVoter, Digest, DataExport):
        assert count(app, model, model.member_id == leaver.me) == 0
    assert not leaver.export_file.exists()
    assert count(app, Appeal) == 0  # their letter to the moderators
    [hide] = rows(app, ModerationAction)  # the sanctions on them went; this stays with the comment
    assert (hide.id, hide.action, hide.member_id) == (leaver.hide_action, "hide", None)


def test_deleted_contributions_leave_no_words_revisions_or_search_terms(app, leaver):
    before = traces(app, *WORDS)
    assert {"ideas.body", "idea_revisions.body", "comments.body", "comment_revisions.body"} <= (
        set().union(*before.values())
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert "ideas_fts_data.block" in before[IDEA_WORD]  # the scan reads the index too
    rivers_before = rows(app, Idea, Idea.id == leaver.theirs)[0].comment_count

    assert delete_account(client_for(app, EMAIL), "delete").status_code == 302

    assert traces(app, *WORDS) == {}
    visitor = app.test_client()
    for word in WORDS:
        found = visitor.get("/ideas", query_string={"q": word}).get_data(as_text=True)
        assert titles_listed(found) == [], word
    page = visitor.get(f"/ideas/{leaver.idea}", follow_redirects=True).get_data(as_text=True)
    assert "Removed by its author" in page and "By Former member," in page
    assert "Good idea from a neighbour." in page  # others' words stay readable
    [idea, voted] = rows(app, Idea, Idea.id.in_([leaver.idea, leaver.voted]))
    assert (idea.stage, idea.slug, idea.edited_at) == ("withdrawn", "removed", None)
    assert voted.stage == "voting" and voted.title == "Removed by its author"
    [proposal] = rows(app, Proposal, Proposal.id == leaver.voted_proposal)
    assert proposal.idea_id == leaver.voted and proposal.question == "Free ferries?"
    assert count(app, IdeaRevision) == 0
    comments = rows(app, Comment, Comment.id.in_([leaver.comment, leaver.hidden]))
    assert all(c.deleted_at and c.body == c.body_html == "" for c in comments)
    assert count(app, CommentRevision) == 0
    rivers = visitor.get(f"/ideas/{leaver.theirs}", follow_redirects=True).get_data(as_text=True)
    assert "Comment deleted." in rivers and "Agreed with the ponds." in rivers
    # Like deleting each comment: the visible one and the hidden one's tombstone leave the count.
    assert rows(app, Idea, Idea.id == leaver.theirs)[0].comment_count == rivers_before - 2


def test_supports_and_oppositions_stay_in_the_counts_while_their_rows_go(app, leaver):
    counts = {i.id: (i.support_count, i.oppose_count) for i in rows(app, Idea)}
    assert counts[leaver.theirs] == (2, 0) and counts[leaver.disliked] == (0, 1)

    assert delete_account(client_for(app, EMAIL), "delete").status_code == 302

    assert {i.id: (i.support_count, i.oppose_count) for i in rows(app, Idea)} == counts
    assert count(app, Reaction, Reaction.idea_id == leaver.theirs) == 1  # the other's only
    assert count(app, Reaction, Reaction.idea_id == leaver.disliked) == 0
    assert "<strong>2</strong> members support" in app.test_client().get(
        f"/ideas/{leaver.theirs}", follow_redirects=True
    ).get_data(as_text=True)


def test_a_ballot_in_an_open_vote_is_counted_anonymously_when_it_closes(app, leaver):
    assert delete_account(client_for(app, EMAIL), "keep").status_code == 302

    [proposal] = rows(app, Proposal, Proposal.id == leaver.open_vote)
    # Two ballots in the box, one of them now nobody's: nothing says whose it was.
    assert count(app, Ballot, Ballot.box_id == proposal.ballot_box_id) == 2
    voters = rows(app, BoxVoter, BoxVoter.box_id == proposal.ballot_box_id)
    assert [v.member_id for v in voters] == [leaver.other]
    with app.app_context():
        assert len(counted(entries(proposal.ballot_box_id))) == 2
        assert close_proposal(leaver.open_vote, utcnow() + timedelta(days=2))
    [result] = rows(app, Proposal, Proposal.id == leaver.open_vote)
    assert (result.votes_for, result.votes_against) == (1, 1)
    [closed_before] = rows(app, Proposal, Proposal.id == leaver.closed_vote)
    assert closed_before.votes_for == 1  # a closed result never changes


def test_the_audit_log_keeps_every_action_but_no_longer_names_the_member(app, leaver):
    before = rows(app, AuditEntry)
    theirs = {e.id for e in before if e.actor_id == leaver.me}
    about_them = {e.id for e in before if e.target_type == "member" and e.target_id == leaver.me}
    assert {e.action for e in before if e.id in theirs} >= {
        "topic.create", "update.publish", "proposal.open"}  # fmt: skip
    assert {e.action for e in before if e.id in about_them} == {
        "role.change", "moderation.suspend", "moderation.lift"}  # fmt: skip

    assert delete_account(client_for(app, EMAIL), "keep").status_code == 302

    after = rows(app, AuditEntry)
    assert [e.id for e in after[: len(before)]] == [e.id for e in before]  # nothing removed
    for old, new in zip(before, after, strict=False):
        if old.id in theirs:
            assert (new.actor_id, new.actor_name) == (None, "Former member")
        else:
            assert (new.actor_id, new.actor_name) == (old.actor_id, old.actor_name)
        expected_target = None if old.id in about_them else old.target_id
        assert (new.action, new.target_type, new.target_id, new.reason, new.details) == (
            old.action, old.target_type, expected_target, old.reason, old.details)  # fmt: skip
    [deletion] = after[len(before) :]
    assert (deletion.action, deletion.actor_id, deletion.actor_name, deletion.target_id) == (
        "account.delete", None, "Former member", None)  # fmt: skip
    assert deletion.details == {"contributions": "kept"}


def test_the_database_still_refuses_every_other_change_to_the_audit_log(app):
    make_member(app, email=EMAIL, name=NAME, role=Role.ORGANISER)  # role.change, about them
    with app.app_context():
        me = find_by_email(EMAIL)
        audit.record(me, "topic.create", "topic", 7, name="Transport")
        db.session.commit()
        [about, by] = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        about_id, by_id, my_id = about.id, by.id, me.id
    entry = AuditEntry.__table__
    refused = [
        update(entry).values(reason="rewritten history"),
        update(entry).where(entry.c.id == by_id).values(actor_name="Somebody Else"),
        update(entry).where(entry.c.id == by_id).values(actor_name="Former member"),
        update(entry).where(entry.c.id == by_id).values(actor_id=None),
        update(entry).where(entry.c.id == by_id).values(actor_id=my_id + 1),
        update(entry).where(entry.c.id == by_id)
        .values(actor_id=None, actor_name="Former member", action="topic.archive"),
        update(entry).where(entry.c.id == by_id)
        .values(actor_id=None, actor_name="Former member", details={}),
        update(entry).where(entry.c.id == by_id).values(target_id=None),  # a topic, not a member
        update(entry).where(entry.c.id == about_id).values(target_id=my_id + 1),
        # a command-line entry has no member behind it to forget
        update(entry).where(entry.c.id == about_id).values(actor_name="Former member"),
        update(entry).where(entry.c.id == about_id).values(target_type="topic", target_id=None),
        update(entry).values(reason=entry.c.reason),  # changes nothing: still refused
        sa.delete(entry).where(entry.c.id == by_id),
        sa.delete(entry),
    ]  # fmt: skip
    with app.app_context():
        for statement in refused:
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                db.session.execute(statement)
            db.session.rollback()
        db.session.execute(
            update(entry).where(entry.c.actor_id == my_id)
            .values(actor_id=None, actor_name="Former member")
        )  # fmt: skip
        db.session.execute(
            update(entry).where(entry.c.target_type == "member", entry.c.target_id == my_id)
            .values(target_id=None)
        )  # fmt: skip
        db.session.commit()
    about, by = rows(app, AuditEntry)
    assert (about.actor_name, about.target_type, about.target_id) == (
        "command line",
        "member",
        None,
    )
    assert (by.actor_id, by.actor_name, by.target_id, by.details) == (
        None, "Former member", 7, {"name": "Transport"})  # fmt: skip


def test_the_last_admin_cannot_leave_until_another_admin_can_take_over(app):
    make_member(app, email=ADMIN, name="Ada Admin", role=Role.ADMIN)
    make_member(app, email="banned@example.org", name="Bo Banned", role=Role.ADMIN)
    with app.app_context():
        db.session.execute(
            update(Member).where(Member.email == "banned@example.org").values(banned_at=utcnow())
        )
        db.session.commit()
    client = client_for(app, ADMIN)
    assert "You are the only admin" in client.get(PAGE).get_data(as_text=True)

    refused = delete_account(client)

    assert refused.status_code == 409
    assert "someone must remain able to administer" in refused.get_data(as_text=True)
    assert count(app, Member) == 2 and is_signed_in(client)
    make_member(app, email="second@example.org", name="Sam Second", role=Role.ADMIN)
    assert "You are the only admin" not in client.get(PAGE).get_data(as_text=True)
    assert delete_account(client).status_code == 302
    assert [m.email for m in rows(app, Member)] == ["banned@example.org", "second@example.org"]


def test_deletion_is_all_or_nothing(app, leaver, monkeypatch):
    def fail(_member_ids):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("coop.privacy.deletion.services._anonymise_audit", fail)
    before = traces(app, *NAME_TRACES, *WORDS)
    client = client_for(app, EMAIL)

    assert delete_account(client, "delete").status_code == 500

    assert traces(app, *NAME_TRACES, *WORDS) == before
    assert count(app, Comment, Comment.deleted_at.is_not(None)) == 0
    assert count(app, Reaction, Reaction.member_id == leaver.me) == 2
    assert leaver.export_file.exists()
    assert is_signed_in(client)


def test_unconfirmed_accounts_are_erased_seven_days_after_joining_not_before(app):
    now = utcnow()
    joined = {
        "stale@example.org": (False, now - timedelta(days=7)),
        "fresh@example.org": (False, now - timedelta(days=7) + timedelta(minutes=1)),
        "confirmed@example.org": (True, now - timedelta(days=30)),
    }
    for email, (verified, created_at) in joined.items():
        make_member(app, email=email, name=email.split("@")[0].title(), verified=verified)
        with app.app_context():
            db.session.execute(
                update(Member).where(Member.email == email).values(created_at=created_at)
            )
            db.session.commit()

    with app.app_context():
        assert purge_unverified(now).accounts == 1
        db.session.commit()
        assert purge_unverified(now).accounts == 0  # idempotent
        db.session.commit()

    assert sorted(m.email for m in rows(app, Member)) == ["confirmed@example.org",
                                                          "fresh@example.org"]  # fmt: skip
    assert traces(app, "stale") == {}
    [entry] = rows(app, AuditEntry, AuditEntry.action == "account.purge_unverified")
    assert (entry.actor_id, entry.actor_name, entry.details) == (
        None, "scheduled task", {"accounts": 1})  # fmt: skip


def test_beat_runs_the_purge_daily_as_a_task(app):
    make_member(app, email="stale@example.org", verified=False)
    with app.app_context():
        db.session.execute(update(Member).values(created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    celery = app.extensions["celery"]
    [entry] = [e for e in celery.conf.beat_schedule.values()
               if e["task"] == "coop.privacy.purge_unverified"]  # fmt: skip
    assert len(entry["schedule"].hour) == 1 and len(entry["schedule"].minute) == 1

    assert celery.tasks["coop.privacy.purge_unverified"].apply().get() == 1
    assert count(app, Member) == 0


def test_the_route_table_post_with_only_a_token_deletes_nothing(app):
    make_member(app)
    client = client_for(app, "member@example.org")
    response = client.post(PAGE, data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 400
    assert count(app, Member) == 1
