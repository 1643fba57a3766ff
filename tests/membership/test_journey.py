"""A supporter becomes a member of the co-operative, votes where only members vote, resigns;
the register keeps the history. And each refusal on the way: clear, with nothing written."""

import csv
import io

import pytest
from sqlalchemy import func, select

from coop.audit.models import AuditEntry
from coop.extensions import db
from coop.membership.models import Application, Membership, RegisterEntry
from coop.notifications.models import Notification
from tests.factories import client_for
from tests.membership.helpers import (
    ADDRESS,
    ADMIN,
    APPLY,
    SECRETARY,
    SUPPORTER,
    TREASURER,
    admitted,
    application_of,
    find,
    make_society,
)
from tests.proposals.helpers import ORGANISER, vote
from tests.support import make_member, make_proposal, submit


@pytest.fixture
def society(app):
    make_society(app)
    make_member(app, ORGANISER, "Org", role="organiser")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def audited(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        )


def test_a_supporter_applies_pays_is_admitted_votes_resigns_and_the_register_keeps_it(app, society):
    rosa = client_for(app, SUPPORTER)
    assert "Apply to become a member" in rosa.get("/membership").get_data(as_text=True)
    page = rosa.get("/membership/apply").get_data(as_text=True)
    assert "legal right to inspect the names and postal addresses" in page  # said before applying
    response = submit(rosa, "/membership/apply", APPLY)
    assert response.status_code == 302
    application = application_of(app, SUPPORTER)
    assert application.state == "pending" and application.amount_due_pence == 100
    assert f"SHARE-{application.id}" in rosa.get("/membership").get_data(as_text=True)

    treasurer = client_for(app, TREASURER)
    page = f"/board/applications/{application.id}"
    paid = submit(
        treasurer, page, {"method": "bank_transfer", "amount": "1.00", "paid_on": "2026-01-05",
                          "reference": "BACS 123"}, f"{page}/payment",
    )  # fmt: skip
    assert paid.status_code == 302
    secretary = client_for(app, SECRETARY)
    decided = submit(secretary, page, {"decision": "admit"}, f"{page}/decision")
    assert decided.status_code == 302
    with app.app_context():
        membership = db.session.scalar(select(Membership))
        assert membership.account_id == find(SUPPORTER).id and membership.ceased_on is None
        messages = db.session.scalars(
            select(Notification.message).where(Notification.member_id == find(SUPPORTER).id)
        ).all()
        assert any("admitted you as a member" in m for m in messages)
    mine = rosa.get("/membership").get_data(as_text=True)
    assert f"membership number <strong>{membership.id}</strong>" in mine

    binding = make_proposal(app, ORGANISER, question="Adopt the rules?", electorate="members")
    consultative = make_proposal(app, ORGANISER, question="Ask supporters?")
    make_member(app, "supporter@example.org", "Not a member")
    outsider = client_for(app, "supporter@example.org")
    assert vote(rosa, binding, "for").status_code == 302
    refused = vote(outsider, binding, "for")
    assert refused.status_code == 403
    assert "Only members of the co-operative vote" in refused.get_data(as_text=True)
    assert vote(outsider, consultative, "for").status_code == 302
    shown = rosa.get(f"/proposals/{binding}").headers["Location"]
    assert "Binding: only members of the co-operative vote" in rosa.get(shown).get_data(
        as_text=True
    )

    assert submit(rosa, "/membership", {}, "/membership/resign").status_code == 302
    member_page = f"/register/members/{membership.id}"
    approved = submit(
        secretary, member_page, {"refund": "1.00", "method": "bank_transfer", "note": "Paid back"},
        f"/board/members/{membership.id}/resignation",
    )  # fmt: skip
    assert approved.status_code == 302
    with app.app_context():
        kinds = db.session.scalars(select(RegisterEntry.kind).order_by(RegisterEntry.id)).all()
        assert kinds == ["admitted", "resignation_notice", "ceased"]
        last = db.session.scalar(select(RegisterEntry).order_by(RegisterEntry.id.desc()))
        assert last.ceased_reason == "resigned" and last.paid_pence == 0
        assert "Refund £1.00 by bank transfer" in last.note
    history = secretary.get(member_page).get_data(as_text=True)
    assert history.count("Rosa Lee Parks") >= 3
    assert vote(rosa, binding, "against").status_code == 403  # no longer a member
    assert "Apply to become a member" in rosa.get("/membership").get_data(as_text=True)
    assert audited(app, "membership.admit") == 1
    assert audited(app, "membership.cease") == 1


def test_the_secretary_searches_exports_and_prints_the_register_and_each_read_is_audited(
    app, society
):
    first = admitted(app, SUPPORTER, '=HYPERLINK("http://evil")')
    make_member(app, "bo@example.org", "Bo")
    admitted(app, "bo@example.org", "Bo Diddley")
    secretary = client_for(app, SECRETARY)

    found = secretary.get("/register?q=diddley").get_data(as_text=True)
    assert "Bo Diddley" in found and "HYPERLINK" not in found
    assert "Bo Diddley" not in secretary.get("/register?q=nobody").get_data(as_text=True)
    assert "Bo Diddley" in secretary.get(f"/register?q={first + 1}").get_data(as_text=True)
    assert secretary.get("/register?q=%25").status_code == 200  # a wildcard is only a character
    assert secretary.get("/register?q=" + "9" * 30).status_code == 200  # beyond any id
    nul = secretary.get("/register?q=a%00b")
    assert nul.status_code == 400 and "control character" in nul.get_data(as_text=True)

    response = secretary.get("/register/members.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Membership number", "Name", "Postal address"]
    names = {row[1] for row in rows[1:]}
    assert names == {'\'=HYPERLINK("http://evil")', "Bo Diddley"}  # no formula runs
    assert "1 High Street, Llandudno, LL30 2AA" in {row[2] for row in rows[1:]}
    printed = secretary.get("/register/print").get_data(as_text=True)
    assert "Bo Diddley" in printed and "register of members" in printed
    officers = secretary.get("/register/officers.csv").get_data(as_text=True)
    assert "Sam Secretary" in officers and "Tia Treasurer" in officers
    assert audited(app, "register.read") == 5
    assert audited(app, "register.export") == 2
    assert audited(app, "register.read_officers") == 1


@pytest.mark.parametrize(
    "path", ["/register", "/register/members.csv", "/register/print", "/register/officers"]
)
@pytest.mark.parametrize("who", [SUPPORTER, TREASURER, ADMIN, ORGANISER])
def test_only_the_secretary_reads_the_registers(app, society, who, path):
    make_member(app, "bo@example.org", "Bo")
    admitted(app, "bo@example.org", "Bo Diddley")
    response = client_for(app, who).get(path)
    assert response.status_code == 403
    assert "Diddley" not in response.get_data(as_text=True)
    assert audited(app, "register.read") == 0


def test_an_officer_without_two_step_sign_in_has_no_board_powers(app, society):
    with app.app_context():
        find(SECRETARY).totp_secret = None
        db.session.commit()
    response = client_for(app, SECRETARY).get("/register")
    assert response.status_code == 403
    assert "two-step sign-in" in response.get_data(as_text=True)


def test_refusals_while_applying_are_clear_and_write_nothing(app, society):
    rosa = client_for(app, SUPPORTER)
    for changes, field, message in [
        ({"eligible": ""}, "eligible", "meet the rules"),
        ({"agrees_to_rules": ""}, "agrees_to_rules", "agree to the rules"),
        ({"postal_address": "Nowhere"}, "postal_address", "full postal address"),
        ({"postal_address": "x\n" * 400}, "postal_address", "characters or fewer"),
        ({"legal_name": "Rosa\x00"}, "legal_name", "control character"),
        ({"legal_name": ""}, "legal_name", "legal name"),
    ]:
        response = submit(rosa, "/membership/apply", {**APPLY, **changes})
        assert response.status_code == 400, changes
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html and message in html, changes
    assert count(app, Application) == 0

    assert submit(rosa, "/membership/apply", APPLY).status_code == 302
    again = submit(rosa, "/membership/apply", APPLY)
    assert again.status_code == 409
    assert "already applied" in again.get_data(as_text=True)
    assert count(app, Application) == 1


def test_the_board_cannot_admit_unpaid_nor_decide_twice_and_a_refusal_needs_a_reason(app, society):
    rosa = client_for(app, SUPPORTER)
    submit(rosa, "/membership/apply", APPLY)
    application = application_of(app, SUPPORTER)
    page = f"/board/applications/{application.id}"
    secretary = client_for(app, SECRETARY)
    unpaid = submit(secretary, page, {"decision": "admit"}, f"{page}/decision")
    assert unpaid.status_code == 409 and "must be paid" in unpaid.get_data(as_text=True)
    treasurer = client_for(app, TREASURER)
    wrong = submit(
        treasurer, page, {"method": "cash", "amount": "0.50", "paid_on": "2026-01-05"},
        f"{page}/payment",
    )  # fmt: skip
    assert wrong.status_code == 400 and "amount due" in wrong.get_data(as_text=True)
    future = submit(
        treasurer, page, {"method": "cash", "amount": "1.00", "paid_on": "2999-01-05"},
        f"{page}/payment",
    )  # fmt: skip
    assert future.status_code == 400 and "cannot be in the future" in future.get_data(as_text=True)
    ok = {"method": "cash", "amount": "1.00", "paid_on": "2026-01-05"}
    assert submit(treasurer, page, ok, f"{page}/payment").status_code == 302
    assert submit(treasurer, page, ok, f"{page}/payment").status_code == 409
    rosa_cannot = rosa.get(page)
    assert rosa_cannot.status_code == 403
    no_reason = submit(secretary, page, {"decision": "refuse", "reason": ""}, f"{page}/decision")
    assert no_reason.status_code == 400
    refused = submit(
        secretary, page, {"decision": "refuse", "reason": "Not resident"}, f"{page}/decision"
    )
    assert refused.status_code == 302
    twice = submit(secretary, page, {"decision": "admit"}, f"{page}/decision")
    assert twice.status_code == 409
    assert count(app, Membership) == 0
    with app.app_context():
        told = db.session.scalar(
            select(Notification.message).where(Notification.member_id == find(SUPPORTER).id)
        )
        assert "Reason: Not resident." in told and "payment will be returned" in told


def test_a_member_inspects_the_duplicate_register_once_the_secretary_opens_it(app, society):
    admitted(app, SUPPORTER, "Rosa Lee Parks")
    make_member(app, "bo@example.org", "Bo")
    admitted(app, "bo@example.org", "Bo Diddley")
    rosa = client_for(app, SUPPORTER)
    assert rosa.get("/membership/register").status_code == 403
    assert submit(rosa, "/membership", {}, "/membership/inspection").status_code == 302
    assert submit(rosa, "/membership", {}, "/membership/inspection").status_code == 409
    secretary = client_for(app, SECRETARY)
    board = secretary.get("/board").get_data(as_text=True)
    assert "Rosa" in board
    with app.app_context():
        from coop.membership.models import Inspection

        inspection_id = db.session.scalar(select(Inspection.id))
    assert submit(secretary, "/board", {}, f"/board/inspections/{inspection_id}").status_code == 302
    html = rosa.get("/membership/register").get_data(as_text=True)
    assert "Bo Diddley" in html and "1 High Street, Llandudno, LL30 2AA" in html
    assert "£1.00" not in html and "Shares" not in html  # s.103: no shareholdings
    assert "bo@example.org" not in html
    assert audited(app, "register.inspect") == 1
    outsider = "nobody@example.org"
    make_member(app, outsider, "Nobody")
    assert (
        submit(client_for(app, outsider), "/membership", {}, "/membership/inspection").status_code
        == 403
    )


def test_register_entries_are_append_only_and_kept_while_the_member_is_current(app, society):
    number = admitted(app, SUPPORTER)
    with app.app_context():
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(RegisterEntry.__table__.update().values(name="Someone else"))
        db.session.rollback()
        with pytest.raises(Exception, match="keeps every entry"):
            db.session.execute(RegisterEntry.__table__.delete())
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(RegisterEntry)) == 1
        assert db.session.get(Membership, number).ceased_on is None


def test_a_member_changes_their_address_as_a_new_entry(app, society):
    number = admitted(app, SUPPORTER, "Rosa Lee Parks")
    rosa = client_for(app, SUPPORTER)
    moved = {"name": "Rosa Lee Parks", "postal_address": "2 Low Road\nConwy\nLL32 8AA"}
    assert submit(rosa, "/membership", moved, "/membership/details").status_code == 302
    same = submit(rosa, "/membership", moved, "/membership/details")
    assert same.status_code == 400 and "Nothing has changed" in same.get_data(as_text=True)
    with app.app_context():
        entries = db.session.scalars(
            select(RegisterEntry)
            .where(RegisterEntry.membership_id == number)
            .order_by(RegisterEntry.id)
        ).all()
        assert [e.postal_address for e in entries] == [ADDRESS, "2 Low Road\nConwy\nLL32 8AA"]
        assert entries[1].electronic_address is None  # no longer agreed: not ticked
        assert entries[0].electronic_address == SUPPORTER


def test_an_officer_whose_term_ended_loses_the_boards_powers(app, society):
    secretary = client_for(app, SECRETARY)
    assert secretary.get("/register").status_code == 200
    with app.app_context():
        from coop.membership import services
        from coop.membership.models import OfficeTerm

        term = db.session.scalar(select(OfficeTerm).where(OfficeTerm.office == "secretary"))
        services.end_term(find(ADMIN), term.id, services.today(), "Stood down")
        db.session.commit()
    assert secretary.get("/register").status_code == 403
    assert secretary.get("/board").status_code == 403


def test_the_register_closes_again_when_the_inspection_period_ends(app, society):
    admitted(app, SUPPORTER, "Rosa Lee Parks")
    rosa = client_for(app, SUPPORTER)
    submit(rosa, "/membership", {}, "/membership/inspection")
    with app.app_context():
        from coop.membership import services
        from coop.membership.models import Inspection
        from coop.uktime import utcnow

        inspection = db.session.scalar(select(Inspection))
        opened = services.fulfil_inspection(find(SECRETARY), inspection.id)
        days = (opened.open_until - utcnow()).days
        assert days == app.config["COOP_INSPECTION_DAYS"] - 1  # a moment under 14 days
        opened.open_until = utcnow()
        db.session.commit()
    assert rosa.get("/membership/register").status_code == 403


def test_the_one_disclosure_is_said_where_people_read_about_their_data(app, client):
    notice = " ".join(client.get("/privacy").get_data(as_text=True).split())
    assert "may inspect the names and postal" in notice and "s.103" in notice
    assert "which publishes the donor's name" in notice
    home = client.get("/").get_data(as_text=True)
    assert "which other members of the co-operative may inspect" in home
    assert "large donations, which the Electoral Commission publishes" in home
