import re

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from coop.extensions import db
from coop.ideas.models import Idea, Reaction
from tests.factories import client_for, signed_in
from tests.ideas.helpers import (
    counts_on_page,
    idea_page,
    load_idea,
    react_on_page,
    reaction_buttons,
    reactions_of,
    without_tokens,
)
from tests.support import (
    csrf_token,
    load_member,
    make_idea,
    make_member,
    on_postgresql,
    post_counting_queries,
    sign_in,
    submit,
)

NOT_PRESSED = [("support", "false"), ("oppose", "false")]
REACTOR_DETAILS = ["Zebedee", "Quillfeather", "Xanthippe", "Marchbanks", "zebedee@", "xanthippe@"]


@pytest.fixture
def idea_id(app):
    make_member(app, email="author@example.org", name="Idea Author")
    return make_idea(app, "author@example.org")


def counts_in_columns(app, idea_id: int) -> tuple[int, int]:
    idea = load_idea(app, idea_id)
    return idea.support_count, idea.oppose_count


def test_support_oppose_change_and_take_back_keep_the_counts_right(app, idea_id):
    alice = signed_in(app, "alice@example.org", "Alice")
    bob = signed_in(app, "bob@example.org", "Bob")
    steps = [
        (alice, "support", (1, 0), "You support this idea."),
        (alice, "oppose", (0, 1), "You oppose this idea."),
        (bob, "support", (1, 1), "You support this idea."),
        (alice, "none", (1, 0), "Reaction removed."),
        (bob, "oppose", (0, 1), "You oppose this idea."),
        (bob, "none", (0, 0), "Reaction removed."),
    ]
    for client, reaction, counts, message in steps:
        response = react_on_page(client, idea_id, reaction)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, reaction
        assert message in html
        assert counts_on_page(html) == counts, reaction
        assert counts_in_columns(app, idea_id) == counts, reaction
    assert reactions_of(app, idea_id) == []


def test_reacting_the_same_way_twice_counts_once(app, idea_id):
    alice = signed_in(app, "alice@example.org", "Alice")
    react_on_page(alice, idea_id, "support")
    html = react_on_page(alice, idea_id, "support").get_data(as_text=True)
    assert counts_on_page(html) == (1, 0)
    assert counts_in_columns(app, idea_id) == (1, 0)
    assert len(reactions_of(app, idea_id)) == 1


def test_a_member_sees_their_own_choice_and_others_do_not(app, idea_id):
    alice = signed_in(app, "alice@example.org", "Alice")
    bob = signed_in(app, "bob@example.org", "Bob")

    assert reaction_buttons(react_on_page(alice, idea_id, "support").get_data(as_text=True)) == [
        ("none", "true"),
        ("oppose", "false"),
    ]
    assert reaction_buttons(react_on_page(bob, idea_id, "oppose").get_data(as_text=True)) == [
        ("support", "false"),
        ("none", "true"),
    ]
    carol = signed_in(app, "carol@example.org", "Carol")
    html = carol.get(f"/ideas/{idea_id}", follow_redirects=True).get_data(as_text=True)
    assert reaction_buttons(html) == NOT_PRESSED
    assert counts_on_page(html) == (1, 1)


def test_who_reacted_is_never_shown_only_the_totals(app, idea_id):
    carol = signed_in(app, "carol@example.org", "Carol Viewer")
    visitor = app.test_client()
    page = f"/ideas/{idea_id}/build-more-homes"
    carol.get("/")  # shows and clears the sign-in message
    viewers = {"carol": carol, "visitor": visitor}
    before = {who: without_tokens(c.get(page).get_data(as_text=True)) for who, c in viewers.items()}
    reactors = [
        signed_in(app, "zebedee@example.org", "Zebedee Quillfeather"),
        signed_in(app, "xanthippe@example.org", "Xanthippe Marchbanks"),
    ]
    react_on_page(reactors[0], idea_id, "support")
    react_on_page(reactors[1], idea_id, "oppose")

    for who, client in viewers.items():
        html = without_tokens(client.get(page).get_data(as_text=True))
        assert counts_on_page(html) == (1, 1)
        for text in REACTOR_DETAILS:
            assert text not in html
        # Apart from the totals, the page reads exactly as before anyone reacted.
        totals = re.compile(r'<p class="counts big">.*?</p>', re.S)
        assert totals.sub("", html) == totals.sub("", before[who])
    listing = visitor.get("/ideas").get_data(as_text=True)
    assert "Zebedee" not in listing and "Xanthippe" not in listing
    assert "<strong>1</strong> support" in listing and "<strong>1</strong> oppose" in listing


def test_one_reaction_per_member_per_idea_is_enforced_by_the_database(app, idea_id):
    member_id = load_member(app, "author@example.org").id
    with app.app_context():
        db.session.add(Reaction(member_id=member_id, idea_id=idea_id, value=1))
        db.session.commit()
        db.session.add(Reaction(member_id=member_id, idea_id=idea_id, value=-1))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert reactions_of(app, idea_id) == [(member_id, 1)]


def test_a_reaction_value_other_than_plus_or_minus_one_is_refused_by_the_database(app, idea_id):
    member_id = load_member(app, "author@example.org").id
    with app.app_context():
        db.session.add(Reaction(member_id=member_id, idea_id=idea_id, value=5))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert reactions_of(app, idea_id) == []


def test_an_invalid_reaction_value_is_refused_with_400(app, idea_id):
    alice = signed_in(app, "alice@example.org", "Alice")
    for value in ["love", "", "SUPPORT", "1"]:
        response = react_on_page(alice, idea_id, value)
        assert response.status_code == 400, value
        assert "Choose support, oppose or neither." in response.get_data(as_text=True)
    assert reactions_of(app, idea_id) == []
    assert counts_in_columns(app, idea_id) == (0, 0)


def test_reacting_on_a_withdrawn_idea_is_refused_with_409(app, idea_id):
    alice = signed_in(app, "alice@example.org", "Alice")
    react_on_page(alice, idea_id, "support")
    author = client_for(app, "author@example.org")
    submit(author, idea_page(app, idea_id), action=f"/ideas/{idea_id}/withdraw")

    for reaction in ("oppose", "none"):
        response = react_on_page(alice, idea_id, reaction)
        assert response.status_code == 409
        assert "closed to support and opposition" in response.get_data(as_text=True)
    assert counts_in_columns(app, idea_id) == (1, 0)
    html = alice.get(f"/ideas/{idea_id}", follow_redirects=True).get_data(as_text=True)
    assert reaction_buttons(html) == []


def test_a_visitor_is_sent_to_sign_in_to_react(app, client, idea_id):
    response = submit(client, "/sign-in", {"reaction": "support"}, f"/ideas/{idea_id}/react")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert reactions_of(app, idea_id) == []


def test_an_unverified_member_cannot_react(app, client, idea_id):
    make_member(app, email="new@example.org", verified=False)
    sign_in(client, "new@example.org")
    response = submit(client, "/", {"reaction": "support"}, f"/ideas/{idea_id}/react")
    assert response.status_code == 403
    assert reactions_of(app, idea_id) == []
    html = client.get(f"/ideas/{idea_id}", follow_redirects=True).get_data(as_text=True)
    assert reaction_buttons(html) == []


@pytest.mark.parametrize(
    ("column", "value"),
    [("stage", "withdrawn"), ("stage", "carried"), ("moderation_state", "hidden")],
)
def test_a_first_support_of_an_idea_closed_to_it_writes_nothing(app, idea_id, column, value):
    alice = signed_in(app, "alice@example.org", "Alice")
    token = csrf_token(alice, idea_page(app, idea_id))  # read while it is open
    with app.app_context():
        db.session.execute(update(Idea).where(Idea.id == idea_id).values({column: value}))
        db.session.commit()
    form = {"csrf_token": token, "reaction": "support"}
    response = alice.post(f"/ideas/{idea_id}/react", data=form)
    assert response.status_code == 409
    assert "closed to support and opposition" in response.get_data(as_text=True)
    assert reactions_of(app, idea_id) == []
    assert counts_in_columns(app, idea_id) == (0, 0)


def test_a_support_of_an_idea_that_does_not_exist_is_404_and_writes_nothing(app, idea_id):
    alice = signed_in(app, "alice@example.org", "Alice")
    page = idea_page(app, idea_id)
    response = submit(alice, page, {"reaction": "support"}, f"/ideas/{idea_id + 99}/react")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Reaction)) == 0


def test_a_first_support_goes_back_to_the_idea_page_in_two_statements(app, idea_id):
    """The member, then the support with its counters (one statement on PostgreSQL, an
    insert and an update on SQLite): the idea is not loaded to find the way back."""
    alice = signed_in(app, "alice@example.org", "Alice")
    page = idea_page(app, idea_id)
    form = {"csrf_token": csrf_token(alice, page), "reaction": "support"}
    response, count = post_counting_queries(app, alice, f"/ideas/{idea_id}/react", form)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{page}#reactions"
    assert count == (2 if on_postgresql(app) else 3)
    assert reactions_of(app, idea_id) == [(load_member(app, "alice@example.org").id, 1)]
    assert counts_in_columns(app, idea_id) == (1, 0)
