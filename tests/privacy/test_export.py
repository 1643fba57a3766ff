"""The right of access: a member downloads everything the platform keeps about them, and
nothing about anyone else; the link works for that member only, and expires. The download
token travels in a POST, never in a URL an access log would keep."""

import io
import json
import os
import re
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from coop.accounts.models import Member, Role
from coop.accounts.services import find_by_email
from coop.ballots.record import format_tracker
from coop.ballots.services import my_tracker
from coop.comments.services import add_comment, edit_comment
from coop.digests.models import Digest
from coop.extensions import db
from coop.ideas.models import Idea
from coop.ideas.services import edit_idea, react
from coop.moderation import appeals
from coop.moderation.services import act, report
from coop.privacy.export import services as exports
from coop.privacy.export import tasks
from coop.privacy.models import ConsentKind, ConsentRecord, DataExport
from coop.proposals.models import Proposal
from coop.proposals.services import cast_vote, close_proposal
from coop.uktime import utcnow
from coop.updates.services import publish_update
from tests.factories import client_for
from tests.support import (
    PASSWORD,
    body_of,
    count_queries,
    csrf_token,
    links_in,
    make_idea,
    make_member,
    make_proposal,
    make_topic,
    submit,
)

MEMBER = "member@example.org"
OTHER, OTHER_NAME = "olive@example.org", "Olive Otherperson"
BOSS, BOSS_NAME = "boss@example.org", "Bernadette Boss"
OTHER_COMMENT = "Words that belong to somebody else"


def ask_for_copy(client, password: str = PASSWORD):
    return submit(client, "/account", {"password": password}, action="/account/export")


DOWNLOAD = "/account/export/download"
TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def download(client, outbox, address: str = MEMBER) -> dict[str, str]:
    """Follow the emailed link, press its download button and read every file."""
    page = client.get(outbox.last_link(address))
    assert page.status_code == 200, page.status_code
    [token] = TOKEN_RE.findall(page.get_data(as_text=True))
    response = press_download(client, token)
    assert response.status_code == 200, response.status_code
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def press_download(client, token: str):
    """The download button: the token in the body of a POST, with the form's CSRF token."""
    return submit(client, "/account", {"token": token}, action=DOWNLOAD)


def exports_of(app) -> list[DataExport]:
    with app.app_context():
        rows = list(db.session.scalars(select(DataExport).order_by(DataExport.id)))
        db.session.expunge_all()
        return rows


def member_who_did_everything(app) -> dict:
    """A member with an idea (edited), a comment (edited, hidden, appealed), a support, a
    ballot in an open vote, a closed vote taken part in, a report, a digest, notifications
    and emails; another member who reacted, voted and commented on the same things."""
    make_member(app)
    make_member(app, email=OTHER, name=OTHER_NAME)
    make_member(app, email=BOSS, name=BOSS_NAME, role=Role.ORGANISER)
    topic_id = make_topic(app, "Housing")
    mine = make_idea(app, title="Build more homes", body="First words", topic_id=topic_id)
    theirs = make_idea(app, OTHER, title="Plant more trees", body="Shade", topic_id=topic_id)
    open_vote = make_proposal(app, BOSS, question="Open the library on Sundays?")
    closed_vote = make_proposal(app, BOSS, question="Paint the hall green?")
    with app.test_request_context():
        member, other, boss = (find_by_email(email) for email in (MEMBER, OTHER, BOSS))
        edit_idea(member, mine, "Build more homes now", "Second words", topic_id)
        comment = add_comment(member, db.session.get(Idea, theirs), "My first comment")
        db.session.flush()
        edit_comment(member, comment.id, "My edited comment")
        add_comment(other, db.session.get(Idea, mine), OTHER_COMMENT)
        react(member, theirs, "support")
        react(other, mine, "oppose")
        cast_vote(member, open_vote, "for")
        cast_vote(other, open_vote, "against")
        cast_vote(member, closed_vote, "abstain")
        report(member, "idea", theirs, "off_topic", "Not about housing")
        action = act(boss, "hide", "comment", comment.id, "Rude words", category="abuse")
        appeals.appeal(member, action.id, "Please look again")
        now = utcnow()
        db.session.add(Digest(member_id=member.id, frequency="weekly", period_start=now,
                              covers_from=now - timedelta(days=7), status="sent"))  # fmt: skip
        db.session.execute(
            update(Proposal)
            .where(Proposal.id == closed_vote)
            .values(opens_at=now - timedelta(hours=2), closes_at=now - timedelta(minutes=1))
        )
        db.session.commit()
        assert close_proposal(closed_vote)
        return {"open_vote": open_vote, "closed_vote": closed_vote, "mine": mine}


def test_archive_holds_each_kind_of_the_members_data_and_nothing_of_others(app, outbox):
    ids = member_who_did_everything(app)
    client = client_for(app, MEMBER)

    response = ask_for_copy(client)

    assert response.status_code == 302
    files = download(client, outbox)
    data = {name: json.loads(text) for name, text in files.items() if name.endswith(".json")}
    assert set(files) == {"README.txt", *exports.FILES}
    assert data["profile.json"]["email"] == MEMBER
    assert [c["kind"] for c in data["consents.json"]][:2] == [
        ConsentKind.PRIVACY_NOTICE, ConsentKind.POLITICAL_OPINIONS
    ]  # fmt: skip
    assert data["ideas.json"][0]["title"] == "Build more homes now"
    assert data["idea_revisions.json"][0]["body"] == "First words"
    assert data["comments.json"][0]["body"] == "My edited comment"
    assert data["comments.json"][0]["idea_title"] == "Plant more trees"
    assert data["comment_revisions.json"][0]["body"] == "My first comment"
    assert [(r["title"], r["reaction"]) for r in data["reactions.json"]] == [
        ("Plant more trees", "support")
    ]
    # By closing time: the closed vote (moved into the past) first.
    assert [v["proposal"] for v in data["votes.json"]] == [ids["closed_vote"], ids["open_vote"]]
    with app.app_context():
        member_id = find_by_email(MEMBER).id
        for vote in data["votes.json"]:  # the tracker of their current ballot, as pages show it
            box_id = db.session.get(Proposal, vote["proposal"]).ballot_box_id
            assert vote["ballot_tracker"] == format_tracker(my_tracker(box_id, member_id))
    assert data["reports.json"][0]["note"] == "Not about housing"
    assert data["moderation.json"][0]["reason"] == "Rude words"
    assert data["moderation.json"][0]["appeal"] == "Please look again"
    assert "hidden by a moderator" in data["notifications.json"][0]["message"]
    assert data["digests.json"][0]["status"] == "sent"
    assert "News about your contribution" in [e["subject"] for e in data["emails.json"]]
    for name, description in exports.FILES.items():
        assert name in files["README.txt"] and description.split()[0] in files["README.txt"]
    # How they voted in the closed vote is nowhere, nor is anything about anyone else.
    everything = "\n".join(files.values())
    assert "abstain" not in everything and "choice" not in files["votes.json"]
    assert '"for"' not in everything
    for foreign in (OTHER, OTHER_NAME, OTHER_COMMENT, "against", "oppose", BOSS, BOSS_NAME):
        assert foreign not in everything, foreign
    assert "body" not in files["emails.json"]


def test_organisers_archive_holds_their_updates_and_audit_entries(app, outbox):
    make_member(app, email=BOSS, name=BOSS_NAME, role=Role.ORGANISER)
    with app.app_context():
        publish_update(find_by_email(BOSS), "Meeting on Friday", "Bring a friend")
        db.session.commit()
    client = client_for(app, BOSS)

    ask_for_copy(client)

    files = download(client, outbox, BOSS)
    updates, audit = json.loads(files["updates.json"]), json.loads(files["audit.json"])
    assert [u["title"] for u in updates] == ["Meeting on Friday"]
    assert "update.publish" in [entry["action"] for entry in audit]


def test_a_copy_with_votes_lasts_seven_days_like_any_other(app, outbox):
    """It holds no choice, so nothing in it stops being true when a vote closes."""
    member_who_did_everything(app)
    client = client_for(app, MEMBER)
    ask_for_copy(client)

    [made] = exports_of(app)
    assert made.expires_at == made.ready_at + exports.KEPT_FOR


def test_a_copy_without_ballots_lasts_seven_days(app, outbox):
    make_member(app)
    client = client_for(app, MEMBER)
    ask_for_copy(client)

    [made] = exports_of(app)
    assert made.status == "ready" and made.expires_at - made.ready_at == timedelta(days=7)
    assert press_download(client, made.token).headers["Cache-Control"] == "no-store"


def test_the_email_and_the_task_hold_only_the_link_and_ids(app, outbox, monkeypatch):
    member_who_did_everything(app)
    queued = []
    original = exports.enqueue_after_commit
    monkeypatch.setattr(
        exports,
        "enqueue_after_commit",
        lambda session, name, *args: queued.append((name, args)) or original(session, name, *args),
    )
    client = client_for(app, MEMBER)

    ask_for_copy(client)

    [(name, args)] = queued
    [made] = exports_of(app)
    assert name == "coop.privacy.build_export" and args == (made.id,)
    [email] = [m for m in outbox.to(MEMBER) if "copy of your data" in m["Subject"]]
    body = body_of(email)
    assert links_in(email) == [f"http://localhost{DOWNLOAD}"]
    assert made.token not in body
    for opinion in ("homes", "trees", "library", "hall", "Rude", "support", "abstain"):
        assert opinion not in body, opinion


def test_a_wrong_password_is_refused_beside_the_field_and_records_nothing(app, outbox):
    make_member(app)
    client = client_for(app, MEMBER)

    response = ask_for_copy(client, "not my password at all")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your password is not right" in page and 'id="export-password-error"' in page
    assert exports_of(app) == []


def test_an_empty_password_is_refused(app):
    make_member(app)
    client = client_for(app, MEMBER)

    response = ask_for_copy(client, "")

    assert response.status_code == 400 and "Enter your password." in response.get_data(True)
    assert exports_of(app) == []


def test_the_request_needs_the_csrf_token(app):
    make_member(app)
    client = client_for(app, MEMBER)

    response = client.post("/account/export", data={"password": PASSWORD})

    assert response.status_code == 400 and "security token" in response.get_data(True)
    assert exports_of(app) == []


def test_a_second_request_while_one_is_being_prepared_is_refused(app):
    make_member(app)
    with app.app_context():
        member = find_by_email(MEMBER)
        db.session.add(DataExport(member_id=member.id, token="pending-token"))
        db.session.commit()
    client = client_for(app, MEMBER)

    response = ask_for_copy(client)

    assert response.status_code == 409
    assert "still preparing your last copy" in response.get_data(as_text=True)
    assert len(exports_of(app)) == 1


def test_a_request_lost_for_an_hour_does_not_block_a_new_one(app):
    make_member(app)
    with app.app_context():
        db.session.add(DataExport(member_id=find_by_email(MEMBER).id, token="lost-token",
                                  requested_at=utcnow() - timedelta(hours=2)))  # fmt: skip
        db.session.commit()
    client = client_for(app, MEMBER)

    assert ask_for_copy(client).status_code == 302
    assert [row.status for row in exports_of(app)] == ["pending", "ready"]


def test_more_than_three_copies_a_day_are_refused(app):
    make_member(app)
    client = client_for(app, MEMBER)
    for _ in range(exports.REQUESTS_PER_DAY):
        assert ask_for_copy(client).status_code == 302

    response = ask_for_copy(client)

    assert response.status_code == 409 and "3 times today" in response.get_data(as_text=True)
    assert len(exports_of(app)) == exports.REQUESTS_PER_DAY


def test_password_guesses_are_rate_limited(app_factory):
    app = app_factory(LIMIT_SIGNIN_PER_ACCOUNT="2 per 15 minutes")
    make_member(app)
    client = client_for(app, MEMBER)
    for _ in range(2):
        assert ask_for_copy(client, "a wrong guess here").status_code == 400

    response = ask_for_copy(client, "a wrong guess here")

    assert response.status_code == 429 and "Retry-After" in response.headers


def test_a_pending_copy_says_it_is_still_being_prepared(app):
    make_member(app)
    with app.app_context():
        db.session.add(DataExport(member_id=find_by_email(MEMBER).id, token="pending-token"))
        db.session.commit()
    client = client_for(app, MEMBER)

    for response in (client.get(DOWNLOAD), press_download(client, "pending-token")):
        assert response.status_code == 200
        assert "still being prepared" in response.get_data(as_text=True)


def test_another_members_token_is_not_found(app, outbox):
    make_member(app)
    make_member(app, email=OTHER, name=OTHER_NAME)
    owner = client_for(app, MEMBER)
    ask_for_copy(owner)
    [made] = exports_of(app)
    stranger = client_for(app, OTHER)

    response = press_download(stranger, made.token)

    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)
    assert stranger.get(outbox.last_link(MEMBER)).status_code == 302  # none of theirs
    assert press_download(owner, made.token).status_code == 200


def test_the_download_needs_the_forms_security_token(app, outbox):
    make_member(app)
    client = client_for(app, MEMBER)
    ask_for_copy(client)
    [made] = exports_of(app)

    response = client.post(DOWNLOAD, data={"token": made.token})

    assert response.status_code == 400 and "security token" in response.get_data(True)


def test_a_tampered_token_is_not_found(app, outbox):
    make_member(app)
    client = client_for(app, MEMBER)
    ask_for_copy(client)
    [made] = exports_of(app)
    token = made.token

    response = press_download(client, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))

    assert response.status_code == 404


def test_an_expired_link_is_gone_with_a_clear_page(app, outbox):
    make_member(app)
    client = client_for(app, MEMBER)
    ask_for_copy(client)
    with app.app_context():
        db.session.execute(update(DataExport).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()

    [made] = exports_of(app)

    for response in (client.get(outbox.last_link(MEMBER)), press_download(client, made.token)):
        assert response.status_code == 410
        assert "This download link has expired" in response.get_data(as_text=True)
    assert "has expired" in client.get("/account").get_data(as_text=True)


def test_a_copy_made_before_consent_was_withdrawn_no_longer_downloads(app, outbox):
    make_member(app)
    client = client_for(app, MEMBER)
    ask_for_copy(client)
    with app.app_context():
        member = find_by_email(MEMBER)
        db.session.add(ConsentRecord(member_id=member.id, granted=False,
                                     kind=ConsentKind.POLITICAL_OPINIONS))  # fmt: skip
        db.session.commit()

    [made] = exports_of(app)
    assert press_download(client, made.token).status_code == 410
    with app.app_context():
        assert exports.purge_expired_exports(utcnow()) == 1
        db.session.commit()
    assert exports_of(app) == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_visitors_are_sent_to_sign_in(app, method):
    client = app.test_client()
    url = DOWNLOAD if method == "get" else "/account/export"
    if method == "post":
        response = client.post(url, data={"csrf_token": csrf_token(client, "/sign-in")})
    else:
        response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_the_account_page_offers_the_copy_and_then_its_link(app, outbox):
    make_member(app)
    client = client_for(app, MEMBER)
    page = client.get("/account").get_data(as_text=True)
    assert "Request a copy of my data" in page and 'for="export-password"' in page

    ask_for_copy(client)

    [made] = exports_of(app)
    page = client.get("/account").get_data(as_text=True)
    assert TOKEN_RE.findall(page) == [made.token] and "Download your data" in page


def test_building_twice_does_nothing_more(app, outbox):
    make_member(app)
    client = client_for(app, MEMBER)
    ask_for_copy(client)
    [before] = exports_of(app)

    with app.app_context():
        assert tasks.build_export.apply(args=(before.id,)).get() is False

    [after] = exports_of(app)
    assert (after.file_name, after.ready_at, after.size_bytes) == (
        before.file_name, before.ready_at, before.size_bytes
    )  # fmt: skip
    assert len(list((Path(app.config["INSTANCE_DIR"]) / "exports").iterdir())) == 1
    assert len([m for m in outbox.to(MEMBER) if "copy of your data" in m["Subject"]]) == 1


def test_building_a_missing_export_does_nothing(app):
    with app.app_context():
        assert tasks.build_export.apply(args=(12345,)).get() is False


def test_a_failed_build_is_marked_and_leaves_no_file(app, monkeypatch):
    make_member(app)

    def broken(member):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "collect", broken)
    client = client_for(app, MEMBER)
    ask_for_copy(client)

    [made] = exports_of(app)
    assert made.status == "failed" and made.file_name is None
    assert "could not prepare" in client.get("/account").get_data(as_text=True)
    assert ask_for_copy(client).status_code == 302  # may ask again at once


def test_the_purge_deletes_expired_files_and_rows_and_keeps_the_rest(app, outbox):
    make_member(app)
    make_member(app, email=OTHER, name=OTHER_NAME)
    for email in (MEMBER, OTHER):
        client = client_for(app, email)
        ask_for_copy(client)
    old, fresh = exports_of(app)
    folder = Path(app.config["INSTANCE_DIR"]) / "exports"
    orphan = folder / "left-by-a-dead-worker.zip.part"
    orphan.write_bytes(b"partial")
    hours_ago = time.time() - 2 * 3600
    os.utime(orphan, (hours_ago, hours_ago))
    with app.app_context():
        member = db.session.get(Member, old.member_id)
        failed = DataExport(member_id=member.id, token="failed-token", status="failed",
                            requested_at=utcnow() - timedelta(days=8))  # fmt: skip
        db.session.add(failed)
        db.session.execute(
            update(DataExport)
            .where(DataExport.id == old.id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()

    with app.app_context():
        assert tasks.purge_exports.apply().get() == 2

    assert [row.id for row in exports_of(app)] == [fresh.id]
    assert sorted(path.name for path in folder.iterdir()) == [fresh.file_name]


def test_collecting_takes_the_same_queries_however_much_there_is(app):
    make_member(app)
    make_member(app, email=OTHER, name=OTHER_NAME)
    topic_id = make_topic(app, "Housing")

    def collect(email: str) -> None:
        with app.app_context():
            exports.collect(find_by_email(email))

    few = count_queries(app, lambda: collect(OTHER))
    for number in range(4):
        idea_id = make_idea(app, title=f"Idea {number}", topic_id=topic_id)
        make_idea(app, OTHER, title=f"Their idea {number}", topic_id=topic_id)
        with app.app_context():
            member = find_by_email(MEMBER)
            react(member, idea_id + 1, "support")
            add_comment(member, db.session.get(Idea, idea_id), f"Comment {number}")
            db.session.commit()
    many = count_queries(app, lambda: collect(MEMBER))

    assert many == few
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Idea)) == 8
