"""The Atom feeds: valid Atom 1.0 with absolute links, only public content, newest first."""

from datetime import timedelta

from coop.accounts.services import find_by_email
from coop.extensions import db
from coop.ideas.models import Idea
from coop.ideas.services import edit_idea, submit_idea
from coop.uktime import utcnow
from tests.feeds.helpers import (
    AUTHOR,
    BASE,
    ORGANISER,
    closed_vote,
    entries,
    people,
    read_feed,
    set_idea,
    titles,
    withdrawn_vote,
)
from tests.ideas.helpers import set_created_at, set_topic_archived
from tests.support import make_idea, make_proposal, make_topic
from tests.updates.helpers import make_update


def test_the_ideas_feed_lists_published_ideas_newest_first_with_stable_ids(app):
    people(app)
    topic_id = make_topic(app, "Housing")
    older = make_idea(app, AUTHOR, title="Older idea", topic_id=topic_id)
    newer = make_idea(app, AUTHOR, title="Newer idea", body="Build *more* homes.")
    set_created_at(app, Idea, older, utcnow() - timedelta(days=2))

    [first, second] = entries(read_feed(app.test_client(), "/ideas.atom"))

    assert (first["title"], second["title"]) == ("Newer idea", "Older idea")
    assert first["id"] == f"{BASE}/ideas/{newer}"
    assert first["link"] == f"{BASE}/ideas/{newer}/newer-idea"
    assert first["author"] == "Ann Author"
    assert first["content"] == "<p>Build <em>more</em> homes.</p>\n"


def test_an_edited_idea_keeps_its_entry_id_and_moves_its_updated_time(app):
    people(app)
    idea_id = make_idea(app, AUTHOR, title="First title")
    client = app.test_client()
    before = entries(read_feed(client, "/ideas.atom"))[0]
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        edit_idea(find_by_email(AUTHOR), idea_id, "Second title", "New words.", idea.topic_id)
        idea.edited_at = utcnow() + timedelta(minutes=5)
        db.session.commit()

    after = entries(read_feed(client, "/ideas.atom"))[0]

    assert after["id"] == before["id"]
    assert after["title"] == "Second title"
    assert after["link"].endswith("/second-title")
    assert after["updated"] > after["published"] == before["published"]


def test_pending_held_hidden_withdrawn_and_declined_ideas_never_appear(app):
    people(app)
    make_idea(app, AUTHOR, title="Published idea")
    for state in ("pending", "held", "hidden"):
        set_idea(app, make_idea(app, AUTHOR, title=f"A {state} idea"), moderation_state=state)
    for stage in ("withdrawn", "declined"):
        set_idea(app, make_idea(app, AUTHOR, title=f"A {stage} idea"), stage=stage)
    client = app.test_client()

    assert titles(client, "/ideas.atom") == ["Published idea"]
    topic_feed = "/topics/general/ideas.atom"
    assert titles(client, topic_feed) == ["Published idea"]
    for path in ("/ideas.atom", topic_feed):
        body = client.get(path).data
        for word in (b"pending", b"held", b"hidden", b"withdrawn", b"declined"):
            assert word not in body


def test_ideas_voted_on_stay_in_the_feed(app):
    people(app)
    idea_id = make_idea(app, AUTHOR, title="Put to the vote")
    make_proposal(app, ORGANISER, idea_id=idea_id)

    assert titles(app.test_client(), "/ideas.atom") == ["Put to the vote"]


def test_a_topic_feed_holds_only_that_topics_ideas(app):
    people(app)
    housing, transport = make_topic(app, "Housing"), make_topic(app, "Transport")
    make_idea(app, AUTHOR, title="More homes", topic_id=housing)
    make_idea(app, AUTHOR, title="More buses", topic_id=transport)
    client = app.test_client()

    feed = read_feed(client, "/topics/housing/ideas.atom")

    assert [e["title"] for e in entries(feed)] == ["More homes"]
    assert "Housing" in feed.findtext("{http://www.w3.org/2005/Atom}title")
    alternate = feed.find("{http://www.w3.org/2005/Atom}link[@rel='alternate']").get("href")
    assert alternate == f"{BASE}/ideas?topic=housing"
    category = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}category")
    assert (category.get("term"), category.get("label")) == ("housing", "Housing")


def test_an_unknown_or_archived_topic_has_no_feed(app):
    people(app)
    archived = make_topic(app, "Old topic")
    make_idea(app, AUTHOR, title="Old idea", topic_id=archived)
    set_topic_archived(app, archived)
    client = app.test_client()

    assert client.get("/topics/no-such-topic/ideas.atom").status_code == 404
    assert client.get("/topics/old-topic/ideas.atom").status_code == 404
    assert client.get("/topics/old-topic/ideas.atom/extra").status_code == 404


def test_an_empty_feed_is_still_valid_atom_with_a_fixed_updated_time(app):
    client = app.test_client()
    for path in ("/ideas.atom", "/updates.atom", "/proposals/results.atom"):
        feed = read_feed(client, path)
        assert entries(feed) == []
        assert client.get(path).data == client.get(path).data


def test_markup_in_titles_and_names_is_escaped_and_the_feed_stays_well_formed(app):
    people(app)
    with app.app_context():
        find_by_email(AUTHOR).display_name = "Ann <i>& Co</i>"
        db.session.commit()
    title = 'Say <script>alert("x")</script> & mean it'
    make_idea(app, AUTHOR, title=title, body="<script>alert(1)</script> & **bold**")
    bell = make_idea(app, AUTHOR, title="Ring the bell twice")
    with app.app_context():  # stored before control characters were refused
        db.session.get(Idea, bell).title = "Ring the bell\x07 twice"
        db.session.commit()
    make_update(app, "Q&A <b>night</b>", author_email=ORGANISER)
    client = app.test_client()

    ideas = entries(read_feed(client, "/ideas.atom"))
    raw = client.get("/ideas.atom").data

    assert [e["title"] for e in ideas] == ["Ring the bell twice", title]
    assert ideas[1]["author"] == "Ann <i>& Co</i>"
    assert b"<script>" not in raw and b"<i>" not in raw
    assert b'Say &lt;script&gt;alert("x")&lt;/script&gt; &amp; mean it</title>' in raw
    assert "<script>" not in ideas[1]["content"]  # the Markdown had no raw HTML to keep
    assert "<strong>bold</strong>" in ideas[1]["content"]
    assert titles(client, "/updates.atom") == ["Q&A <b>night</b>"]
    assert b"<b>" not in client.get("/updates.atom").data


def test_the_updates_feed_lists_organisers_updates_newest_first(app):
    people(app)
    old = make_update(app, "Last week", "Old **news**.", utcnow() - timedelta(days=7),
                      author_email=ORGANISER)  # fmt: skip
    new = make_update(app, "This week", "New news.", author_email=ORGANISER)

    [first, second] = entries(read_feed(app.test_client(), "/updates.atom"))

    assert (first["title"], second["title"]) == ("This week", "Last week")
    assert first["id"] == f"{BASE}/updates/{new}"
    assert second["link"] == f"{BASE}/updates/{old}-last-week"
    assert first["author"] == "Olu Organiser"
    assert second["content"] == "<p>Old <strong>news</strong>.</p>\n"


def test_the_results_feed_has_closed_public_votes_with_outcome_and_counts(app):
    people(app)
    carried = closed_vote(app, "Adopt the charter?", ["for", "for", "against", "abstain"])
    closed_vote(app, "Members only question?", ["for"], visibility="members")
    withdrawn_vote(app, "Withdrawn question?")
    make_proposal(app, ORGANISER, question="Still open?")
    make_proposal(app, ORGANISER, question="Not yet open?", opens_in=5)

    [entry] = entries(read_feed(app.test_client(), "/proposals/results.atom"))

    assert entry["title"] == "Carried: Adopt the charter?"
    assert entry["id"] == f"{BASE}/proposals/{carried}"
    assert entry["link"] == f"{BASE}/proposals/{carried}/adopt-the-charter"
    for fact in ("<strong>Carried</strong>", "For: 2", "Against: 1", "Abstain: 1",
                 "Turnout: 4 of"):  # fmt: skip
        assert fact in entry["content"]


def test_a_vote_past_its_time_is_counted_before_the_results_are_read(app):
    people(app)
    proposal_id = make_proposal(app, ORGANISER, question="Due now?", opens_in=-3, closes_in=-1)

    [entry] = entries(read_feed(app.test_client(), "/proposals/results.atom"))

    assert entry["id"] == f"{BASE}/proposals/{proposal_id}"
    assert entry["title"] == "Not carried: Due now?"


def test_a_feed_holds_at_most_50_entries_the_newest(app):
    people(app)
    topic_id = make_topic(app, "Housing")
    with app.app_context():
        author = find_by_email(AUTHOR)
        for number in range(55):
            submit_idea(author, f"Idea {number}", "Words.", topic_id)
        db.session.commit()
    client = app.test_client()

    for path in ("/ideas.atom", "/topics/housing/ideas.atom"):
        listed = titles(client, path)
        assert len(listed) == 50
        assert set(listed) == {f"Idea {number}" for number in range(5, 55)}
