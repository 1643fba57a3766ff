"""What a member's digest says, sent through a real SMTP server."""

from datetime import timedelta

import pytest

from coop.accounts.models import Role
from coop.comments.models import Comment
from coop.digests.models import DigestStatus
from coop.extensions import db
from coop.ideas.models import Idea
from coop.moderation.states import ModerationState
from coop.proposals.models import Proposal
from coop.uktime import uk_datetime, utcnow
from tests.digests.helpers import (
    digest_rows,
    html_part,
    member_id,
    open_long_ago,
    publish_update,
    run_digests,
    set_columns,
    set_support,
    text_part,
)
from tests.support import make_idea, make_member, make_proposal, make_topic, smtp_settings


@pytest.fixture
def mail_app(app_factory, smtp_server):
    return app_factory(**smtp_settings(smtp_server.port))


def comment(app, author_email: str, idea_id: int, body: str, parent_id: int | None = None) -> int:
    from coop.accounts.services import find_by_email
    from coop.comments.services import add_comment

    with app.app_context():
        new = add_comment(
            find_by_email(author_email), db.session.get(Idea, idea_id), body, parent_id
        )
        db.session.commit()
        return new.id


def vote(app, email: str, proposal_id: int, choice: str = "for") -> None:
    from coop.accounts.services import find_by_email
    from coop.proposals.services import cast_vote

    with app.app_context():
        cast_vote(find_by_email(email), proposal_id, choice)
        db.session.commit()


def close_now(app, proposal_id: int) -> None:
    from coop.proposals.services import close_proposal

    now = utcnow()
    set_columns(
        app,
        Proposal,
        proposal_id,
        opens_at=now - timedelta(hours=1),
        closes_at=now - timedelta(seconds=1),
    )
    with app.app_context():
        close_proposal(proposal_id)
        db.session.commit()


@pytest.fixture
def community(mail_app):
    """Rosa reads her digest; Sam writes; Bo organises."""
    app = mail_app
    make_member(app, email="rosa@example.org", name="Rosa")
    make_member(app, email="sam@example.org", name="Sam")
    make_member(app, email="bo@example.org", name="Bo", role=Role.ORGANISER)
    topic = make_topic(app, "Transport")
    ids = {"topic": topic}
    ids["open"] = make_proposal(app, "bo@example.org", "Open more night buses?", closes_in=96)
    ids["voted"] = make_proposal(app, "bo@example.org", "Ban pavement parking?", closes_in=96)
    ids["closing"] = make_proposal(app, "bo@example.org", "Fund the library?", closes_in=20)
    open_long_ago(app, ids["closing"])
    ids["result"] = make_proposal(app, "bo@example.org", "Adopt the charter?", closes_in=2)
    for email in ("rosa@example.org", "sam@example.org"):
        vote(app, email, ids["result"])
    vote(app, "rosa@example.org", ids["voted"])
    close_now(app, ids["result"])
    ids["ideas"] = []
    for number in range(12):
        idea = make_idea(app, "sam@example.org", f"Sam idea {number}", topic_id=topic)
        set_support(app, idea, number)
        ids["ideas"].append(idea)
    ids["own"] = make_idea(app, "rosa@example.org", "Rosa's own idea", topic_id=topic)
    set_support(app, ids["own"], 99)
    ids["hidden"] = make_idea(app, "sam@example.org", "Hidden idea", topic_id=topic)
    set_columns(app, Idea, ids["hidden"], moderation_state=ModerationState.HIDDEN)
    set_support(app, ids["hidden"], 98)
    comment(app, "sam@example.org", ids["own"], "Lovely idea, Rosa.")
    rosas = comment(app, "rosa@example.org", ids["ideas"][0], "I have a question.")
    comment(app, "sam@example.org", ids["ideas"][0], "Here is my answer.", parent_id=rosas)
    comment(app, "rosa@example.org", ids["own"], "My own note.")
    publish_update(app, "Our first assembly", "bo@example.org")
    return ids


def digest_for(smtp_server, address: str):
    found = [m for m in smtp_server.messages if m["To"] == address]
    assert len(found) == 1, f"{len(found)} digests to {address}"
    return found[0]


def test_a_members_digest_brings_what_is_new_for_them(mail_app, smtp_server, community):
    run_digests(mail_app)
    message = digest_for(smtp_server, "rosa@example.org")
    text = text_part(message)
    assert message["Subject"] == "Your weekly digest: 2 votes need you"
    since = uk_datetime(digest_rows(mail_app)[0].covers_from)
    assert f"Here is what is new on The Independents since {since}." in text
    open_section = text.split("OPEN FOR YOUR VOTE")[1].split("CLOSING SOON")[0]
    assert "Open more night buses?" in open_section
    assert "Ban pavement parking?" not in text  # she voted already
    closing = text.split("CLOSING SOON: YOU HAVE NOT VOTED YET")[1].split("RESULTS")[0]
    assert "Fund the library?" in closing and "Open more night buses?" not in closing
    results = text.split("RESULTS")[1].split("REPLIES TO YOU")[0]
    assert "Adopt the charter?" in results and "Carried: 2 for, 0 against" in results
    replies = text.split("REPLIES TO YOU")[1].split("NEW IDEAS")[0]
    assert 'Sam commented on your idea on "Rosa\'s own idea"' in replies
    assert 'Sam replied to your comment on "Sam idea 0"' in replies
    assert "My own note" not in text
    ideas = text.split("NEW IDEAS")[1].split("UPDATES FROM THE ORGANISERS")[0]
    listed = [line[2:].split(" (")[0] for line in ideas.splitlines() if line.startswith("* ")]
    assert listed == [f"Sam idea {n}" for n in range(11, 1, -1)]  # most supported, at most 10
    assert "Our first assembly" in text.split("UPDATES FROM THE ORGANISERS")[1]
    assert "Hidden idea" not in text and "Rosa's own idea (" not in text


def test_the_digest_is_multipart_with_links_back_and_a_footer(mail_app, smtp_server, community):
    run_digests(mail_app)
    message = digest_for(smtp_server, "rosa@example.org")
    assert message.is_multipart()
    text, html = text_part(message), html_part(message)
    assert f"http://localhost/proposals/{community['open']}/open-more-night-buses" in text
    assert f'href="http://localhost/proposals/{community["open"]}/' in html
    assert "Open more night buses?" in html and "<h2" in html
    assert f"new since {uk_datetime(digest_rows(mail_app)[0].covers_from)}." in html
    assert "because you chose it in your settings: http://localhost/account" in text
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://localhost/digests/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in text and unsubscribe.strip("<>") in html
    assert "<script" not in html


def test_only_open_votes_the_member_can_take_part_in_are_listed(mail_app, smtp_server, community):
    with mail_app.app_context():
        from coop.accounts.services import find_by_email

        find_by_email("rosa@example.org").political_opinions_consent = False
        db.session.commit()
    run_digests(mail_app)
    text = text_part(digest_for(smtp_server, "rosa@example.org"))
    assert "OPEN FOR YOUR VOTE" not in text and "CLOSING SOON" not in text
    assert "Adopt the charter?" in text  # results are news for everyone


def test_a_member_with_nothing_new_gets_no_email(mail_app, smtp_server):
    make_member(mail_app, email="quiet@example.org")
    run_digests(mail_app)
    assert smtp_server.messages == []
    [row] = digest_rows(mail_app)
    assert row.status == DigestStatus.EMPTY


def test_members_get_only_the_digest_they_chose(mail_app, smtp_server):
    make_member(mail_app, email="author@example.org")
    make_idea(mail_app, "author@example.org", "Something new")
    for email, frequency in [("d@example.org", "daily"), ("w@example.org", "weekly"),
                             ("n@example.org", "none")]:  # fmt: skip
        make_member(mail_app, email=email)
        with mail_app.app_context():
            from coop.accounts.services import find_by_email

            find_by_email(email).digest_frequency = frequency
            db.session.commit()
    make_member(mail_app, email="unconfirmed@example.org", verified=False)
    run_digests(mail_app, "weekly")
    assert sorted(m["To"] for m in smtp_server.messages) == ["w@example.org"]
    run_digests(mail_app, "daily")
    assert sorted(m["To"] for m in smtp_server.messages) == ["d@example.org", "w@example.org"]
    assert smtp_server.messages[-1]["Subject"].startswith("Your daily digest")


def test_beat_firing_twice_for_a_period_sends_once(mail_app, smtp_server, community):
    start = utcnow() + timedelta(minutes=1)
    run_digests(mail_app, start=start)
    assert run_digests(mail_app, start=start) == 0  # nobody is left to plan
    addresses = sorted(m["To"] for m in smtp_server.messages)
    assert addresses == ["bo@example.org", "rosa@example.org", "sam@example.org"]
    assert len(digest_rows(mail_app)) == 3


def test_a_batch_delivered_twice_claims_nothing_the_second_time(mail_app, smtp_server, community):
    from tests.digests.helpers import run_task

    start = (utcnow() + timedelta(minutes=1)).isoformat()
    rosa = member_id(mail_app, "rosa@example.org")
    assert run_task(mail_app, "coop.digests.send_batch", "weekly", start, rosa, rosa) == 1
    assert run_task(mail_app, "coop.digests.send_batch", "weekly", start, rosa, rosa) == 0
    assert [m["To"] for m in smtp_server.messages] == ["rosa@example.org"]


def test_the_next_digest_covers_only_what_came_after_the_last(mail_app, smtp_server):
    make_member(mail_app, email="rosa@example.org")
    make_member(mail_app, email="sam@example.org")
    make_idea(mail_app, "sam@example.org", "Old news")
    first = utcnow() + timedelta(minutes=1)
    run_digests(mail_app, start=first)
    fresh = make_idea(mail_app, "sam@example.org", "Fresh news")
    set_columns(mail_app, Idea, fresh, created_at=first + timedelta(hours=1))
    run_digests(mail_app, start=first + timedelta(days=7))
    second = [m for m in smtp_server.messages if m["To"] == "rosa@example.org"][1]
    assert "Fresh news" in text_part(second) and "Old news" not in text_part(second)


def test_a_deleted_comment_is_not_reported_as_a_reply(mail_app, smtp_server):
    make_member(mail_app, email="rosa@example.org", name="Rosa")
    make_member(mail_app, email="sam@example.org", name="Sam")
    idea = make_idea(mail_app, "rosa@example.org", "Rosa's idea")
    set_columns(mail_app, Idea, idea, created_at=utcnow() - timedelta(days=30))
    gone = comment(mail_app, "sam@example.org", idea, "Regrettable words")
    set_columns(mail_app, Comment, gone, deleted_at=utcnow())
    run_digests(mail_app)
    assert [m["To"] for m in smtp_server.messages] == []


def test_a_vote_that_failed_reads_not_carried(mail_app, smtp_server):
    make_member(mail_app, email="rosa@example.org")
    make_member(mail_app, email="bo@example.org", role=Role.ORGANISER)
    failed = make_proposal(mail_app, "bo@example.org", "Move the office?", closes_in=2)
    vote(mail_app, "bo@example.org", failed, "against")
    close_now(mail_app, failed)
    run_digests(mail_app)
    text = text_part(digest_for(smtp_server, "rosa@example.org"))
    assert "Not carried: 0 for, 1 against, 0 abstaining; 1 of 2 members voted." in text
    assert "Not carried" in html_part(digest_for(smtp_server, "rosa@example.org"))


def test_members_of_one_batch_each_get_their_own_digest(mail_app, smtp_server, community):
    # Sections shared by a batch are rendered once: what differs must still be each one's.
    run_digests(mail_app)
    rosa, sam = (digest_for(smtp_server, f"{n}@example.org") for n in ("rosa", "sam"))
    rosa_text, sam_text = text_part(rosa), text_part(sam)
    assert rosa_text.startswith("Hello Rosa,") and sam_text.startswith("Hello Sam,")
    assert "Hello Sam," in html_part(sam) and "Rosa" not in html_part(sam).split("<h2")[0]
    sam_open = sam_text.split("OPEN FOR YOUR VOTE")[1].split("CLOSING SOON")[0]
    assert "Ban pavement parking?" in sam_open  # Rosa voted on it, Sam did not
    sam_ideas = sam_text.split("NEW IDEAS")[1].split("UPDATES FROM THE ORGANISERS")[0]
    assert sam_ideas.splitlines()[2].startswith("* Rosa's own idea (99 supports")
    assert "Rosa's own idea (" not in rosa_text
    assert "REPLIES TO YOU" in rosa_text and "Lovely idea, Rosa." not in sam_text
    assert rosa["List-Unsubscribe"] != sam["List-Unsubscribe"]
    assert rosa["List-Unsubscribe"].strip("<>") in rosa_text
