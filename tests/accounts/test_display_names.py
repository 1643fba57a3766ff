"""Nobody passes for staff by name: names are normalised (NFKC), refuse invisible and
bidirectional control characters, role words and an organiser's or admin's own name in other
letters; and organisers' and admins' contributions carry a role badge."""

import pytest

from coop.accounts.models import Role
from tests.support import join_data, load_member, make_idea, make_member, submit

ROLE_NAMES = [
    "Olu (organiser)",
    "Olu - Organizer",
    "ADMIN Jo",
    "Jo the moderator",
    "OluOrganiser",
    "Site Staff",
    "\u039flu \u0391dmin",  # Greek capital omicron and alpha
    "Olu (0rgan1ser)",
    "\uff2f\uff4c\uff55 \uff41\uff44\uff4d\uff49\uff4e",  # fullwidth "Olu admin"
]
HIDDEN = [
    "Olu\u200b",  # zero-width space
    "Jo\u202eevil",  # right-to-left override
    "Jo\u2066Smith\u2069",  # bidirectional isolates
    "\u3164",  # Hangul filler: a letter that shows nothing
    "Jo\x07",
    "Jo\u00ad",  # soft hyphen
    "Zalgo a\u0301\u0302\u0303\u0304\u0305",
]


def refused(client, name: str):
    response = submit(client, "/join", join_data(display_name=name))
    assert response.status_code == 400, name
    assert 'id="display_name-error"' in response.get_data(as_text=True), name
    return response


@pytest.mark.parametrize("name", ROLE_NAMES)
def test_a_name_claiming_a_role_is_refused(app, client, name):
    refused(client, name)
    assert load_member(app, "rosa@example.org") is None


@pytest.mark.parametrize("name", HIDDEN)
def test_a_name_with_invisible_or_control_characters_is_refused(app, client, name):
    refused(client, name)
    assert load_member(app, "rosa@example.org") is None


def test_names_are_stored_in_nfkc_with_single_spaces(app, client):
    submit(client, "/join", join_data(display_name="  \uff32\uff4f\uff53\uff41   Parks\u00a0Fan "))
    assert load_member(app, "rosa@example.org").display_name == "Rosa Parks Fan"


def test_ordinary_names_that_contain_a_role_word_inside_another_word_are_accepted(app, client):
    submit(client, "/join", join_data(display_name="Badminton Fan"))
    assert load_member(app, "rosa@example.org").display_name == "Badminton Fan"


@pytest.mark.parametrize("name", ["Olu Ade", "olu ade", "0lu  ADE", "\u041elu Ad\u0435", "Olu-Ade"])
def test_an_organisers_name_in_other_letters_is_refused(app, client, name):
    make_member(app, email="olu@example.org", name="Olu Ade", role=Role.ORGANISER)
    refused(client, name)


def test_a_plain_members_name_may_be_shared(app, client):
    make_member(app, email="sam@example.org", name="Sam Jones")
    submit(client, "/join", join_data(display_name="Sam Jones"))
    assert load_member(app, "rosa@example.org").display_name == "Sam Jones"


def test_organisers_and_admins_contributions_carry_a_role_badge(app, client):
    make_member(app, email="olu@example.org", name="Olu Ade", role=Role.ORGANISER)
    make_member(app, email="ada@example.org", name="Ada", role=Role.ADMIN)
    make_member(app, email="sam@example.org", name="Sam Jones")
    ideas = {
        email: make_idea(app, author_email=email, title=f"An idea by {email.split('@')[0]}")
        for email in ("olu@example.org", "ada@example.org", "sam@example.org")
    }
    with app.app_context():
        from coop.comments.services import add_comment
        from coop.extensions import db
        from coop.ideas.models import Idea
        from tests.support import find_by_email

        idea = db.session.get(Idea, ideas["sam@example.org"])
        add_comment(find_by_email("olu@example.org"), idea, "An organiser's reply")
        add_comment(find_by_email("sam@example.org"), idea, "The author's reply")
        db.session.commit()
        slug = idea.slug

    def badges(html: str) -> list[str]:
        import re

        return re.findall(r'<span class="badge role-badge">(\w+)</span>', html)

    assert badges(
        client.get(f"/ideas/{ideas['olu@example.org']}", follow_redirects=True).get_data(
            as_text=True
        )
    ) == ["Organiser"]
    assert badges(
        client.get(f"/ideas/{ideas['ada@example.org']}", follow_redirects=True).get_data(
            as_text=True
        )
    ) == ["Admin"]
    page = client.get(f"/ideas/{ideas['sam@example.org']}/{slug}", follow_redirects=True)
    assert badges(page.get_data(as_text=True)) == ["Organiser"]  # on Olu's comment only
    listing = badges(client.get("/ideas").get_data(as_text=True))
    assert sorted(listing) == ["Admin", "Organiser"]
