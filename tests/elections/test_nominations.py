"""Members stand, nominate each other, accept, second and withdraw; a nomination is valid
once accepted and seconded within the window. And each refusal."""

import pytest
import time_machine
from sqlalchemy import func, select

from coop.audit.models import AuditEntry
from coop.elections.models import Nomination, Seconding
from coop.extensions import db
from coop.membership.models import Membership
from coop.uktime import utcnow
from tests.elections.helpers import (
    DECLARED,
    FORMER,
    MO,
    OLA,
    TOM,
    number_of,
    set_up,
    society_with_members,
)
from tests.factories import client_for
from tests.membership.helpers import SECRETARY, SUPPORTER
from tests.parallel import copy_of, post_at_once
from tests.support import csrf_token, submit


@pytest.fixture
def society(app):
    society_with_members(app)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stand(client, election_id: int, **changes):
    page = f"/elections/{election_id}"
    data = {**DECLARED, "statement": "I will serve the co-operative.", **changes}
    return submit(client, page, {k: v for k, v in data.items() if v is not None}, f"{page}/stand")


def nominate(client, election_id: int, number) -> object:
    page = f"/elections/{election_id}"
    return submit(client, page, {"membership_number": str(number)}, f"{page}/nominate")


def second(client, election_id: int, nomination_id: int):
    page = f"/elections/{election_id}"
    return submit(client, page, {}, f"{page}/nominations/{nomination_id}/second")


def nomination_id(app, email: str) -> int:
    with app.app_context():
        number = number_of(app, email)
        return db.session.scalar(select(Nomination.id).where(Nomination.membership_id == number))


def test_a_member_stands_is_seconded_and_becomes_a_candidate_with_a_sanitised_statement(
    app, society
):
    election_id = set_up(app)
    mo, ola = client_for(app, MO), client_for(app, OLA)
    statement = "I will serve **well**. <script>alert(1)</script> [x](javascript:alert(2))"
    assert stand(mo, election_id, statement=statement).status_code == 302
    page = ola.get(f"/elections/{election_id}").get_data(as_text=True)
    assert "No valid nomination yet" in page and "0 of 1 seconder(s)" in page
    assert second(ola, election_id, nomination_id(app, MO)).status_code == 302
    page = ola.get(f"/elections/{election_id}").get_data(as_text=True)
    candidates = page.split('id="candidates"')[1].split("</ul>")[0]
    assert "Mo" in candidates and "<strong>well</strong>" in candidates
    assert "<script>alert" not in page and 'href="javascript' not in page
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"nomination.stand", "nomination.second"} <= actions


def test_a_nomination_by_another_member_stands_once_the_candidate_accepts(app, society):
    election_id = set_up(app)
    mo, ola, tom = client_for(app, MO), client_for(app, OLA), client_for(app, TOM)
    assert nominate(mo, election_id, number_of(app, OLA)).status_code == 302
    nominated = nomination_id(app, OLA)
    assert "Waiting for the candidate" not in tom.get(f"/elections/{election_id}").get_data(
        as_text=True
    )
    assert second(tom, election_id, nominated).status_code == 404  # not accepted yet
    page = ola.get(f"/elections/{election_id}").get_data(as_text=True)
    assert "Accept your nomination" in page
    refused = stand(ola, election_id, consents=None)
    assert refused.status_code == 400 and "Confirm this declaration" in refused.get_data(
        as_text=True
    )
    assert stand(ola, election_id).status_code == 302
    assert second(mo, election_id, nominated).status_code == 403  # the nominator
    assert second(ola, election_id, nominated).status_code == 403  # the candidate
    assert second(tom, election_id, nominated).status_code == 302
    assert second(tom, election_id, nominated).status_code == 409  # once each
    assert count(app, Seconding) == 1
    manage = client_for(app, SECRETARY).get(f"/elections/{election_id}/manage")
    assert "Valid" in manage.get_data(as_text=True)


def test_the_candidate_withdraws_before_the_close_and_stops_standing(app, society):
    election_id = set_up(app, seconders=0)
    mo = client_for(app, MO)
    assert stand(mo, election_id).status_code == 302
    assert 'id="candidates"' in mo.get(f"/elections/{election_id}").get_data(as_text=True)
    page = f"/elections/{election_id}"
    assert submit(mo, page, {}, f"{page}/withdraw").status_code == 302
    assert 'id="candidates"' not in mo.get(page).get_data(as_text=True)
    assert stand(mo, election_id).status_code == 409  # final
    assert submit(mo, page, {}, f"{page}/withdraw").status_code == 409
    assert submit(client_for(app, OLA), page, {}, f"{page}/withdraw").status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"statement": "word " * 11}, "10 words or fewer: it has 11"),
        ({"statement": "x" * 20_001}, "20,000 characters or fewer"),
        ({"statement": "nul\x00byte"}, "control character"),
        ({"not_bankrupt": None}, "Confirm this declaration"),
        ({"not_disqualified": None}, "Confirm this declaration"),
        ({"eligible": None, "consents": None}, "Confirm this declaration"),
    ],
)
def test_a_statement_too_long_or_a_missing_declaration_is_refused_beside_its_field(
    app, society, changes, message
):
    election_id = set_up(app, words=10)
    refused = stand(client_for(app, MO), election_id, **changes)
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True)
    assert count(app, Nomination) == 0


@pytest.mark.parametrize("number", ["", "abc", "0", "999999", str(2**31), "9" * 40, "1\x00", "١٢"])
def test_nominating_no_current_member_is_refused_beside_the_field(app, society, number):
    election_id = set_up(app)
    refused = nominate(client_for(app, MO), election_id, number)
    assert refused.status_code == 400
    assert count(app, Nomination) == 0


def test_nominating_a_former_member_or_oneself_or_twice_is_refused(app, society):
    election_id = set_up(app)
    mo = client_for(app, MO)
    with app.app_context():
        former = db.session.scalar(select(Membership.id).where(Membership.ceased_on.is_not(None)))
    assert nominate(mo, election_id, former).status_code == 400
    assert nominate(mo, election_id, number_of(app, MO)).status_code == 400
    assert nominate(mo, election_id, number_of(app, OLA)).status_code == 302
    again = nominate(client_for(app, TOM), election_id, number_of(app, OLA))
    assert again.status_code == 409 and "already nominated" in again.get_data(as_text=True)


def test_supporters_former_members_and_officers_who_are_not_members_cannot_take_part(app, society):
    election_id = set_up(app)
    page = f"/elections/{election_id}"
    for outsider in (SUPPORTER, FORMER):  # not, or no longer, a member of the co-operative
        client = client_for(app, outsider)
        token = csrf_token(client, "/account")
        assert client.get(page).status_code == 404
        for action in ("stand", "nominate", "withdraw", "nominations/1/second"):
            sent = client.post(f"{page}/{action}", data={**DECLARED, "csrf_token": token,
                                                         "membership_number": "1"})  # fmt: skip
            assert sent.status_code == 404, action
    secretary = client_for(app, SECRETARY)  # an officer who is not a member of the co-operative
    assert stand(secretary, election_id).status_code == 403
    assert count(app, Nomination) == 0


def test_nothing_is_done_before_nominations_open_or_after_they_close(app, society):
    early = set_up(app, opens=2)
    assert stand(client_for(app, MO), early).status_code == 409
    election_id = set_up(app, closes=3)
    mo, ola = client_for(app, MO), client_for(app, OLA)
    assert stand(mo, election_id).status_code == 302
    nominated = nomination_id(app, MO)
    with time_machine.travel(utcnow().replace(microsecond=0).timestamp() + 5 * 86400):
        ola = client_for(app, OLA)  # signed in again: the old session has lapsed
        page = ola.get(f"/elections/{election_id}").get_data(as_text=True)
        assert "Nominations have closed" in page and "Stand for the board" not in page
        token = csrf_token(ola, "/account")
        late = ola.post(f"/elections/{election_id}/nominations/{nominated}/second",
                        data={"csrf_token": token})  # fmt: skip
        assert late.status_code == 409
        late = ola.post(f"/elections/{election_id}/stand", data={**DECLARED, "csrf_token": token})
        assert late.status_code == 409
    assert count(app, Seconding) == 0


def test_the_secretary_takes_down_a_statement_and_the_candidate_sends_another(app, society):
    election_id = set_up(app, seconders=0)
    mo, ola = client_for(app, MO), client_for(app, OLA)
    assert stand(mo, election_id, statement="Vote for me, not the liars.").status_code == 302
    nominated = nomination_id(app, MO)
    secretary = client_for(app, SECRETARY)
    manage = f"/elections/{election_id}/manage"
    action = f"/elections/{election_id}/nominations/{nominated}/reject"
    assert submit(secretary, manage, {"reason": ""}, action).status_code == 400
    assert submit(secretary, manage, {"reason": "Personal attacks."}, action).status_code == 302
    assert submit(secretary, manage, {"reason": "Again."}, action).status_code == 409
    assert submit(mo, f"/elections/{election_id}", {"reason": "x"}, action).status_code == 403
    page = ola.get(f"/elections/{election_id}").get_data(as_text=True)
    assert "liars" not in page and "took this statement down" in page
    assert "Personal attacks." in mo.get(f"/elections/{election_id}").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "nomination.reject_statement")
        )
        assert entry.reason == "Personal attacks."
    assert stand(mo, election_id, statement="I will serve.").status_code == 302
    assert "I will serve." in ola.get(f"/elections/{election_id}").get_data(as_text=True)


def test_unknown_nominations_and_ids_past_the_database_are_not_found(app, society):
    election_id = set_up(app)
    mo = client_for(app, MO)
    page = f"/elections/{election_id}"
    assert second(mo, election_id, 12345).status_code == 404
    token = csrf_token(mo, page)
    assert (
        mo.post(f"{page}/nominations/{2**31}/second", data={"csrf_token": token}).status_code == 404
    )
    assert mo.post(f"/elections/{2**31}/stand", data={"csrf_token": token}).status_code == 404
    assert (
        mo.post(
            f"/elections/{election_id + 9}/stand", data={**DECLARED, "csrf_token": token}
        ).status_code
        == 404
    )


def test_a_double_nomination_sent_at_once_makes_one_nomination(app, society):
    election_id = set_up(app)
    page = f"/elections/{election_id}"
    clients = [client_for(app, MO), client_for(app, TOM)]
    number = str(number_of(app, OLA))
    forms = [{"csrf_token": csrf_token(c, page), "membership_number": number} for c in clients]
    statuses = post_at_once(clients, f"{page}/nominate", forms)
    assert sorted(statuses) == [302, 409]
    assert count(app, Nomination) == 1


def test_a_double_click_on_stand_makes_one_nomination(app, society):
    election_id = set_up(app)
    page = f"/elections/{election_id}"
    mo = client_for(app, MO)
    clients = [mo, copy_of(app, mo)]
    forms = [{"csrf_token": csrf_token(c, page), **DECLARED} for c in clients]
    statuses = post_at_once(clients, f"{page}/stand", forms)
    assert 500 not in statuses and 302 in statuses
    assert count(app, Nomination) == 1
