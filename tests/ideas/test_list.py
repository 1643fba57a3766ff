from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from coop.accounts.models import Member, Role
from coop.comments.services import add_comment
from coop.extensions import db
from coop.ideas.models import Idea
from coop.ideas.services import get_idea, withdraw_idea
from coop.uktime import utcnow
from tests.ideas.helpers import (
    add_ideas,
    add_members,
    react_as,
    set_created_at,
    titles_listed,
)
from tests.support import load_member, make_idea, make_member, make_proposal, make_topic


@pytest.fixture
def author_id(app):
    return make_member(app, name="Rosa Author").id


def listed(client, query: str = "") -> list[str]:
    response = client.get(f"/ideas{query}")
    assert response.status_code == 200
    return titles_listed(response.get_data(as_text=True))


def ideas_titled(app, *titles: str, topic_id: int | None = None) -> list[int]:
    return [make_idea(app, title=title, topic_id=topic_id) for title in titles]


def test_visitors_see_twenty_ideas_a_page_with_links_between_pages(app, client, author_id):
    add_ideas(app, [author_id], [make_topic(app)], 45)

    first = client.get("/ideas").get_data(as_text=True)
    assert titles_listed(first) == [f"Idea number {n}" for n in range(44, 24, -1)]
    assert "45 ideas." in first
    assert "Page 1 of 3" in first
    assert 'rel="next" href="/ideas?page=2"' in first
    assert 'rel="prev"' not in first

    last = client.get("/ideas?page=3").get_data(as_text=True)
    assert titles_listed(last) == [f"Idea number {n}" for n in range(4, -1, -1)]
    assert 'rel="prev" href="/ideas?page=2"' in last
    assert 'rel="next"' not in last

    assert listed(client, "?page=4") == []


def test_page_links_keep_the_sort_and_filters(app, client, author_id):
    add_ideas(app, [author_id], [make_topic(app, "Housing")], 21)
    html = client.get("/ideas?sort=supported&topic=housing&stage=discussion").get_data(as_text=True)
    assert 'href="/ideas?sort=supported&amp;topic=housing&amp;stage=discussion&amp;page=2"' in html


def test_a_single_page_shows_no_page_links(app, client, author_id):
    add_ideas(app, [author_id], [make_topic(app)], 20)
    html = client.get("/ideas").get_data(as_text=True)
    assert len(titles_listed(html)) == 20
    assert 'aria-label="Pages"' not in html


def test_a_malformed_page_number_is_refused_with_400(client):
    for page in ["abc", "0", "-1", "1.5", "", " 2", "2x", "10001", "1e3"]:
        assert client.get("/ideas", query_string={"page": page}).status_code == 400, page


def test_a_superscript_page_number_is_refused_with_400(client):
    assert client.get("/ideas", query_string={"page": "²"}).status_code == 400


def test_newest_ideas_come_first_by_when_they_were_shared(app, client, author_id):
    older, newer, newest = ideas_titled(app, "Older", "Newer", "Newest")
    now = utcnow()
    set_created_at(app, Idea, newest, now - timedelta(hours=1))
    set_created_at(app, Idea, older, now - timedelta(days=3))
    set_created_at(app, Idea, newer, now)  # shared last, though made second

    assert listed(client) == ["Newer", "Newest", "Older"]
    assert listed(client, "?sort=newest") == ["Newer", "Newest", "Older"]
    assert listed(client, "?sort=nonsense") == ["Newer", "Newest", "Older"]


def test_most_supported_ideas_come_first(app, client, author_id):
    few, none, many = ideas_titled(app, "Few", "None", "Many")
    members = add_members(app, 3)
    for member_id in members:
        react_as(app, member_id, many, "support")
    react_as(app, members[0], few, "support")
    react_as(app, members[1], none, "oppose")

    assert listed(client, "?sort=supported") == ["Many", "Few", "None"]


def test_trending_ranks_support_gained_in_the_last_seven_days(app, client, author_id):
    old_favourite, rising, opposed, _ = ideas_titled(
        app, "Old favourite", "Rising", "Opposed", "Quiet"
    )
    members = add_members(app, 3)
    with time_machine.travel(utcnow() - timedelta(days=8)):
        for member_id in members:
            react_as(app, member_id, old_favourite, "support")
    with time_machine.travel(utcnow() - timedelta(days=6)):
        react_as(app, members[0], rising, "support")
    react_as(app, members[1], rising, "support")
    for member_id in members:
        react_as(app, member_id, opposed, "oppose")
    refresh_trending(app)  # beat recounts as supports age out of the week

    assert listed(client, "?sort=trending") == ["Rising", "Old favourite", "Quiet", "Opposed"]
    assert listed(client, "?sort=supported") == ["Old favourite", "Rising", "Quiet", "Opposed"]


def test_a_support_moves_trending_at_once_and_leaves_it_after_a_week(app, client, author_id):
    first, second = ideas_titled(app, "First", "Second")
    members = add_members(app, 2)
    for member_id in members:
        react_as(app, member_id, second, "support")
    assert listed(client, "?sort=trending") == ["Second", "First"]  # no recount needed

    react_as(app, members[0], first, "support")
    with time_machine.travel(utcnow() + timedelta(days=8)):
        react_as(app, members[1], first, "support")
        react_as(app, members[0], second, "none")  # old: takes nothing from trending
        refresh_trending(app)
        assert listed(client, "?sort=trending") == ["First", "Second"]
        with app.app_context():
            counts = dict(db.session.execute(select(Idea.title, Idea.trending_count)).all())
        assert counts == {"First": 1, "Second": 0}


def refresh_trending(app) -> None:
    app.extensions["celery"].tasks["coop.ideas.refresh_trending"].apply().get()


def test_changing_to_support_counts_as_support_gained_now(app, client, author_id):
    steady, converted = ideas_titled(app, "Steady", "Converted")
    members = add_members(app, 2)
    with time_machine.travel(utcnow() - timedelta(days=10)):
        react_as(app, members[0], steady, "support")
        react_as(app, members[1], steady, "support")
        react_as(app, members[0], converted, "oppose")
    react_as(app, members[0], converted, "support")
    refresh_trending(app)

    assert listed(client, "?sort=trending") == ["Converted", "Steady"]


def test_most_discussed_ideas_come_first(app, client, author_id):
    _, lively, some = ideas_titled(app, "Quiet", "Lively", "Some talk")
    with app.app_context():
        author = db.session.get(Member, author_id)
        for idea_id, comments in ((lively, 3), (some, 1)):
            for n in range(comments):
                add_comment(author, get_idea(idea_id), f"Comment {n}")
        db.session.commit()

    assert listed(client, "?sort=discussed") == ["Lively", "Some talk", "Quiet"]
    assert "<strong>3</strong> comments" in client.get("/ideas?sort=discussed").get_data(
        as_text=True
    )


def test_ideas_are_filtered_by_topic_slug(app, client, author_id):
    housing = make_topic(app, "Housing")
    transport = make_topic(app, "Public transport")
    ideas_titled(app, "More homes", topic_id=housing)
    ideas_titled(app, "More buses", "Night trams", topic_id=transport)

    assert listed(client, "?topic=public-transport") == ["Night trams", "More buses"]
    assert listed(client, "?topic=housing") == ["More homes"]
    assert listed(client, "?topic=no-such-topic") == []
    assert len(listed(client, "?topic=")) == 3


def test_ideas_are_filtered_by_stage(app, client, author_id):
    make_member(app, email="org@example.org", name="Organiser", role=Role.ORGANISER)
    _, voting, withdrawn = ideas_titled(app, "Still open", "Being voted", "Given up")
    make_proposal(app, "org@example.org", idea_id=voting)
    with app.app_context():
        withdraw_idea(db.session.get(Member, author_id), withdrawn)
        db.session.commit()

    assert listed(client, "?stage=discussion") == ["Still open"]
    assert listed(client, "?stage=voting") == ["Being voted"]
    assert listed(client, "?stage=withdrawn") == ["Given up"]
    assert listed(client, "?stage=carried") == []
    assert listed(client, "?stage=bogus") == ["Given up", "Being voted", "Still open"]
    html = client.get("/ideas?stage=voting").get_data(as_text=True)
    assert '<span class="badge stage-voting">Voting</span>' in html


def test_the_list_shows_topic_author_stage_and_counts_of_each_idea(app, client, author_id):
    idea_id = make_idea(app, title="More homes", topic_id=make_topic(app, "Housing"))
    react_as(app, load_member(app, "member@example.org").id, idea_id, "oppose")
    html = client.get("/ideas").get_data(as_text=True)
    assert f'href="/ideas/{idea_id}/more-homes">More homes</a>' in html
    assert 'href="/ideas?topic=housing">Housing</a>' in html
    assert "by Rosa Author" in html
    assert "Open for discussion" in html
    assert "<strong>0</strong> support" in html
    assert "<strong>1</strong> oppose" in html
    assert "1 idea." in html


def test_an_empty_list_invites_visitors_to_join(client):
    html = client.get("/ideas").get_data(as_text=True)
    assert "No ideas here yet." in html
    assert 'href="/join"' in html


def test_control_characters_in_the_search_or_topic_do_not_break_the_list(client):
    for query in ("q=a%00b", "topic=x%00y", "q=%01%7f"):
        assert client.get(f"/ideas?{query}").status_code == 200, query
