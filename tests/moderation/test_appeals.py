from datetime import timedelta

import pytest

from coop.accounts.models import Role
from coop.accounts.services import find_by_email
from coop.audit.models import AuditEntry
from coop.errors import Conflict
from coop.extensions import db
from coop.moderation import appeals
from coop.moderation.models import Appeal, ModerationAction
from coop.uktime import utcnow
from tests.factories import client_for
from tests.moderation.helpers import (
    AUTHOR,
    ORGANISER,
    OTHER_ORGANISER,
    act,
    audited,
    notifications_of,
    people,
    rows,
)
from tests.support import load_member, make_idea, make_member, submit


def hidden_idea(app) -> tuple[int, int]:
    people(app)
    idea_id = make_idea(app, title="My view")
    act(client_for(app, ORGANISER), "idea", idea_id, "hide", reason="Rude", category="abuse")
    [action] = rows(app, ModerationAction)
    return idea_id, action.id


def appeal(client, action_id: int, statement: str = "It was not rude."):
    return submit(client, f"/appeals/{action_id}", {"statement": statement})


def decide(client, appeal_id: int, outcome: str, reason: str = "Checked again."):
    return submit(client, "/moderation", {"outcome": outcome, "reason": reason},
                  action=f"/moderation/appeals/{appeal_id}")  # fmt: skip


def test_an_author_appeals_once(app):
    _, action_id = hidden_idea(app)
    author = client_for(app, AUTHOR)
    assert "Appeal this" in author.get("/account/moderation").get_data(as_text=True)
    assert appeal(author, action_id).status_code == 302
    assert author.get(f"/appeals/{action_id}").status_code == 409
    assert len(rows(app, Appeal)) == 1


def test_an_appeal_sent_twice_at_the_same_moment_is_a_conflict(app, monkeypatch):
    """The second of two appeals sent at once passes the check before the first is written:
    the unique key refuses it, and the member is told they have already appealed."""
    _, action_id = hidden_idea(app)
    assert appeal(client_for(app, AUTHOR), action_id).status_code == 302
    with app.app_context():
        author = find_by_email(AUTHOR)
        monkeypatch.setattr(db.session(), "scalar", lambda *args, **kwargs: None)  # no appeal yet
        with pytest.raises(Conflict, match="already appealed"):
            appeals.appeal(author, action_id, "Again.")
        db.session.rollback()
    assert len(rows(app, Appeal)) == 1


def test_nobody_else_can_appeal(app):
    _, action_id = hidden_idea(app)
    make_member(app, email="x@example.org", name="X")
    assert client_for(app, "x@example.org").get(f"/appeals/{action_id}").status_code == 403


def test_an_appeal_is_decided_by_another_organiser_and_can_overturn(app):
    _, action_id = hidden_idea(app)
    make_member(app, email=OTHER_ORGANISER, name="Other", role=Role.ORGANISER)
    appeal(client_for(app, AUTHOR), action_id)
    [entry] = rows(app, Appeal)
    assert decide(client_for(app, ORGANISER), entry.id, "overturned").status_code == 403
    assert decide(client_for(app, OTHER_ORGANISER), entry.id, "overturned").status_code == 302
    assert "My view" in app.test_client().get("/ideas").get_data(as_text=True)
    author = load_member(app, AUTHOR)
    assert any("action was reversed" in m for m in notifications_of(app, author.id))
    assert audited(app) == ["moderation.hide", "appeal.overturned"]


def test_with_a_single_organiser_they_may_decide_their_own_action(app):
    _, action_id = hidden_idea(app)
    appeal(client_for(app, AUTHOR), action_id)
    [entry] = rows(app, Appeal)
    assert decide(client_for(app, ORGANISER), entry.id, "upheld").status_code == 302
    assert rows(app, Appeal)[0].outcome == "upheld"


def test_a_suspended_member_can_appeal(app):
    people(app)
    member = load_member(app, AUTHOR)
    act(client_for(app, ORGANISER), "member", member.id, "suspend", reason="Spam", days="3")
    [action] = rows(app, ModerationAction)
    assert appeal(client_for(app, AUTHOR), action.id).status_code == 302


def suspended_twice_then_first_overturned(app) -> tuple[int, list]:
    people(app)
    make_member(app, email=OTHER_ORGANISER, name="Other", role=Role.ORGANISER)
    member = load_member(app, AUTHOR)
    organiser = client_for(app, ORGANISER)
    act(organiser, "member", member.id, "suspend", reason="Spam", days="1")
    [first] = [a.id for a in rows(app, ModerationAction)]
    appeal(client_for(app, AUTHOR), first)
    act(organiser, "member", member.id, "suspend", reason="Spam again", days="30")
    [entry] = rows(app, Appeal)
    assert decide(client_for(app, OTHER_ORGANISER), entry.id, "overturned").status_code == 302
    return member.id, rows(app, ModerationAction)


def test_overturning_an_old_suspension_leaves_a_newer_one_in_force(app):
    suspended_twice_then_first_overturned(app)
    member = load_member(app, AUTHOR)
    assert member.is_suspended
    assert member.suspended_until > utcnow() + timedelta(days=29)


def test_the_audit_log_says_an_overturned_action_had_been_superseded(app):
    _, actions_taken = suspended_twice_then_first_overturned(app)
    _first, newer = actions_taken
    [entry] = [e for e in rows(app, AuditEntry) if e.action == "appeal.overturned"]
    assert entry.details["undone"] is False
    assert entry.details["superseded_by"] == newer.id
    author = load_member(app, AUTHOR)
    assert any("replaced it and still applies" in m for m in notifications_of(app, author.id))


def test_overturning_a_hide_after_a_restore_and_a_new_hide_keeps_the_new_hide(app):
    idea_id, action_id = hidden_idea(app)
    make_member(app, email=OTHER_ORGANISER, name="Other", role=Role.ORGANISER)
    appeal(client_for(app, AUTHOR), action_id)
    organiser = client_for(app, ORGANISER)
    act(organiser, "idea", idea_id, "restore", reason="Fine after all")
    act(organiser, "idea", idea_id, "hide", reason="Rude again", category="abuse")
    [entry] = rows(app, Appeal)
    assert decide(client_for(app, OTHER_ORGANISER), entry.id, "overturned").status_code == 302
    assert "My view" not in app.test_client().get("/ideas").get_data(as_text=True)


def test_overturning_the_latest_suspension_lifts_it_and_says_so(app):
    people(app)
    make_member(app, email=OTHER_ORGANISER, name="Other", role=Role.ORGANISER)
    member = load_member(app, AUTHOR)
    act(client_for(app, ORGANISER), "member", member.id, "suspend", reason="Spam", days="3")
    [action] = rows(app, ModerationAction)
    appeal(client_for(app, AUTHOR), action.id)
    [entry] = rows(app, Appeal)
    decide(client_for(app, OTHER_ORGANISER), entry.id, "overturned")
    assert not load_member(app, AUTHOR).is_suspended
    [audited_entry] = [e for e in rows(app, AuditEntry) if e.action == "appeal.overturned"]
    assert audited_entry.details["undone"] is True
