"""The treasurer's ledger: gifts recorded, checked, accepted or returned within 30 days;
thresholds in force by date; a source's gifts added up; the year's reportable donations;
and each refusal on the way, clear and writing nothing."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.audit.models import AuditEntry
from coop.donations import rules, services
from coop.donations.models import Gift, GiftEvent, Threshold
from coop.extensions import db
from coop.notifications.models import Notification
from coop.privacy.export.services import collect
from tests.donations.helpers import gift_form, make_treasury
from tests.factories import client_for
from tests.membership.helpers import ADMIN, SECRETARY, SUPPORTER, TREASURER, find
from tests.parallel import copy_of, post_at_once
from tests.proposals.helpers import ORGANISER
from tests.support import csrf_token, make_member, submit

NEW = "/treasury/gifts/new"


@pytest.fixture
def recipient(app):
    make_member(app, ORGANISER, "Org", role="organiser")
    return make_treasury(app)


def record(client, recipient_id: int, **changes) -> int:
    response = submit(client, NEW, gift_form(recipient_id, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def gift(app, gift_id: int) -> Gift:
    with app.app_context():
        found = db.session.get(Gift, gift_id)
        db.session.expunge(found)
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_gift_over_500_is_accepted_only_after_a_recorded_check(app, recipient):
    treasurer = client_for(app, TREASURER)
    gift_id = record(treasurer, recipient)
    page = f"/treasury/gifts/{gift_id}"
    html = treasurer.get(page).get_data(as_text=True)
    assert "30 days left to decide" in html and "Ada Lovelace" in html
    unchecked = submit(
        treasurer, page, {"check_method": "", "check_evidence": ""}, f"{page}/accept"
    )
    assert unchecked.status_code == 400
    assert 'id="check_method-error"' in unchecked.get_data(as_text=True)
    assert gift(app, gift_id).status == "received"
    assert submit(treasurer, page, {}, f"{page}/check").status_code == 302
    accepted = submit(
        treasurer, page,
        {"check_method": "Found on the Westminster electoral register, 7 Dec",
         "check_evidence": "Extract filed in the treasury folder"}, f"{page}/accept",
    )  # fmt: skip
    assert accepted.status_code == 302
    found = gift(app, gift_id)
    assert found.status == "accepted" and found.amount_pence == 600_00
    assert found.checked_by_id is not None and found.decided_on == services.today()
    with app.app_context():
        history = db.session.scalars(select(GiftEvent.status).order_by(GiftEvent.id)).all()
    assert history == ["received", "checking", "accepted"]
    again = submit(treasurer, page, {"check_method": "x", "check_evidence": "y"}, f"{page}/accept")
    assert again.status_code == 409


def test_a_gift_of_500_or_less_is_not_a_donation_and_needs_no_check(app, recipient):
    treasurer = client_for(app, TREASURER)
    gift_id = record(treasurer, recipient, amount="500.00", declarations=None)
    page = f"/treasury/gifts/{gift_id}"
    assert submit(treasurer, page, {}, f"{page}/accept").status_code == 302
    assert gift(app, gift_id).status == "accepted"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"donor_kind": "other"}, "not permissible"),
        ({"declarations": ["on_register"]}, "not given on someone else"),
        ({"donor_kind": "company", "number": "01234567", "declarations": ["uk_registered"]},
         "authorised by the shareholders"),
    ],
)  # fmt: skip
def test_a_donation_from_a_source_not_permissible_or_not_declared_cannot_be_accepted(
    app, recipient, changes, message
):
    treasurer = client_for(app, TREASURER)
    gift_id = record(treasurer, recipient, **changes)
    page = f"/treasury/gifts/{gift_id}"
    response = submit(
        treasurer, page, {"check_method": "Looked", "check_evidence": "Here"}, f"{page}/accept"
    )
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert gift(app, gift_id).status == "received"


def test_a_gift_not_permissible_is_returned_and_only_an_unidentified_one_to_the_commission(
    app, recipient
):
    treasurer = client_for(app, TREASURER)
    gift_id = record(treasurer, recipient, donor_kind="other")
    page = f"/treasury/gifts/{gift_id}"
    assert (
        submit(treasurer, page, {"returned_to": "donor", "note": ""}, f"{page}/return").status_code
        == 400
    )
    returned = submit(
        treasurer, page, {"returned_to": "donor", "note": "Refunded by BACS on 8 Dec"},
        f"{page}/return",
    )  # fmt: skip
    assert returned.status_code == 302
    assert gift(app, gift_id).returned_to == "donor"
    known = record(treasurer, recipient)
    page = f"/treasury/gifts/{known}"
    to_commission = submit(
        treasurer, page, {"returned_to": "commission", "note": "Sent"}, f"{page}/return"
    )
    assert to_commission.status_code == 400
    assert "cannot be identified" in to_commission.get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "600.005"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"received_on": "2999-01-01"}, "received_on"),
        ({"donor_kind": "company", "number": "not a number"}, "number"),
        ({"donor_name": "Ada\x00"}, "donor_name"),
        ({"donor_kind": "nonsense"}, "donor_kind"),
        ({"recipient_id": "999999"}, "recipient_id"),
        ({"method": "card"}, "method"),
    ],
)
def test_bad_input_is_answered_beside_its_field_and_writes_nothing(app, recipient, changes, field):
    treasurer = client_for(app, TREASURER)
    response = submit(treasurer, NEW, gift_form(recipient, **changes))
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count(app, Gift) == 0


@pytest.mark.parametrize("who", [SUPPORTER, ORGANISER, ADMIN])
def test_only_the_treasurer_sees_donors_and_organisers_see_totals(app, recipient, who):
    treasurer = client_for(app, TREASURER)
    gift_id = record(treasurer, recipient)
    client = client_for(app, who)
    for path in (
        "/treasury",
        f"/treasury/gifts/{gift_id}",
        NEW,
        "/treasury/reportable.csv?year=2026",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Lovelace" not in response.get_data(as_text=True)
    totals = client.get("/treasury/totals")
    assert totals.status_code == (403 if who == SUPPORTER else 200)  # admins organise too
    assert "Lovelace" not in totals.get_data(as_text=True)
    with app.app_context():
        reads = db.session.scalar(
            select(func.count()).select_from(AuditEntry)
            .where(AuditEntry.action.like("donations.read%"))
        )  # fmt: skip
    assert reads == 0  # only the treasurer's own reads would be recorded, and there were none


def test_reading_donors_details_is_audited(app, recipient):
    treasurer = client_for(app, TREASURER)
    gift_id = record(treasurer, recipient)
    treasurer.get("/treasury")
    treasurer.get(f"/treasury/gifts/{gift_id}")
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("donations.%"))
        ).all()
    assert {"donations.record", "donations.read_ledger", "donations.read_gift"} <= set(actions)


def test_a_sources_gifts_add_up_and_crossing_the_reporting_threshold_tells_the_treasurers(
    app, recipient
):
    treasurer = client_for(app, TREASURER)
    check = {"check_method": "Register", "check_evidence": "Filed"}
    ids = [
        record(treasurer, recipient, amount="1200.00"),
        record(treasurer, recipient, amount="1100.00", donor_name="ada  LOVELACE"),  # same source
        record(treasurer, recipient, amount="400.00"),  # not a donation: not added up
        record(
            treasurer,
            recipient,
            amount="5000.00",
            donor_name="Somebody Else",
            donor_address="1 Other Road\nLeeds\nLS1 1AA",
        ),
    ]
    for gift_id in ids:
        page = f"/treasury/gifts/{gift_id}"
        assert submit(treasurer, page, check, f"{page}/accept").status_code == 302
    with app.app_context():
        messages = db.session.scalars(
            select(Notification.message).where(Notification.member_id == find(TREASURER).id)
        ).all()
    over = [m for m in messages if "over the reporting threshold" in m]
    assert len(over) == 2  # Ada at her second gift (£2,300 > £2,230), and the other donor
    response = treasurer.get(f"/treasury/reportable.csv?year={services.today().year}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    donors = sorted((row[2], row[6]) for row in rows[1:])
    assert donors == [("Ada Lovelace", "1200.00"), ("Somebody Else", "5000.00"),
                      ("ada  LOVELACE", "1100.00")]  # fmt: skip
    assert {row[10] for row in rows[1:] if "ada" in row[2].lower()} == {"2300.00"}


def test_gifts_just_under_the_threshold_within_a_month_are_flagged(app, recipient):
    treasurer = client_for(app, TREASURER)
    today = services.today()
    for days_ago in (0, 10, 20):
        record(treasurer, recipient, amount="450.00",
               received_on=(today - timedelta(days=days_ago)).isoformat())  # fmt: skip
    record(treasurer, recipient, amount="450.00", donor_name="A Stranger",
           donor_address="1 Other Road\nLeeds\nLS1 1AA")  # fmt: skip
    html = treasurer.get("/treasury").get_data(as_text=True)
    assert html.count("Possibly split") == 3
    accepted = treasurer.get("/treasury?status=received").get_data(as_text=True)
    assert accepted.count("Possibly split") == 3  # judged on every gift, whatever is shown


def test_gifts_under_the_threshold_from_one_address_under_other_names_are_flagged(app, recipient):
    treasurer = client_for(app, TREASURER)
    for name in ("Ada Lovelace", "Augusta King", "A. Byron"):
        record(treasurer, recipient, amount="480.00", donor_name=name)
    html = treasurer.get("/treasury").get_data(as_text=True)
    assert html.count("Possibly split") == 3


def test_gifts_are_removed_six_years_after_the_year_they_were_received(app, recipient):
    from datetime import date

    from coop.donations.tasks import forget_expired_gifts

    treasurer = client_for(app, TREASURER)
    old = record(treasurer, recipient)
    kept = record(treasurer, recipient)
    this_year = services.today().year
    with app.app_context():
        db.session.get(Gift, old).received_on = date(this_year - 7, 12, 31)
        db.session.get(Gift, kept).received_on = date(this_year - 6, 1, 1)
        db.session.commit()
        assert forget_expired_gifts() == 1
        assert db.session.scalars(select(Gift.id)).all() == [kept]
        assert (
            db.session.scalar(
                select(func.count()).select_from(GiftEvent).where(GiftEvent.gift_id == old)
            )
            == 0
        )


def test_the_threshold_in_force_is_the_latest_to_take_effect_by_the_day_of_receipt():
    figures = [
        rules.Figure(1500_00, services.date(2010, 1, 1), "old"),
        rules.Figure(2230_00, services.date(2024, 1, 1), "new"),
    ]
    assert rules.in_force(figures, services.date(2023, 12, 31)).source == "old"
    assert rules.in_force(figures, services.date(2024, 1, 1)).source == "new"
    assert rules.in_force(figures, services.date(2009, 1, 1)) is None
    assert rules.crosses(2000_00, 2300_00, figures[1]) and not rules.crosses(
        2300_00, 2400_00, figures[1]
    )


def test_treasurers_deciding_at_the_same_moment_decide_once(app, recipient):
    treasurer = client_for(app, TREASURER)
    gift_id = record(treasurer, recipient)
    page = f"/treasury/gifts/{gift_id}"
    secretary = client_for(app, SECRETARY)
    clients = [treasurer, copy_of(app, treasurer), secretary, copy_of(app, secretary)]
    forms = [
        {"csrf_token": csrf_token(c, page), "check_method": "Register", "check_evidence": "File"}
        for c in clients[:2]
    ] + [{"csrf_token": csrf_token(c, page), "returned_to": "donor", "note": "Back"}
         for c in clients[2:]]  # fmt: skip
    statuses = post_at_once(clients[:2], f"{page}/accept", forms[:2]) + post_at_once(
        clients[2:], f"{page}/return", forms[2:]
    )
    assert statuses.count(302) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GiftEvent)) == 2


def test_a_gifts_history_cannot_be_rewritten_and_a_donors_export_holds_their_gifts(app, recipient):
    treasurer = client_for(app, TREASURER)
    gift_id = record(treasurer, recipient)
    with app.app_context():
        with pytest.raises(Exception, match="never changed"):
            db.session.execute(GiftEvent.__table__.update().values(note="Nothing happened"))
        db.session.rollback()
        db.session.get(Gift, gift_id).account_id = find(SUPPORTER).id  # given online, signed in
        db.session.commit()
        files = collect(find(SUPPORTER))
    assert "Ada Lovelace" in files["gifts.json"] and "60000" in files["gifts.json"]


def test_the_donate_page_says_online_giving_is_not_set_up_without_stripe_keys(app, client):
    html = client.get("/donate").get_data(as_text=True)
    assert "Online giving is not set up yet" in html
    assert "publishes the donor's name" in html


def test_the_migration_ships_the_thresholds_with_their_sources(app, recipient):
    with app.app_context():
        rows = db.session.scalars(select(Threshold)).all()
    assert rows and all(row.source for row in rows)
    assert {row.kind for row in rows} == {"donation", "reporting"}


def test_the_treasurers_are_reminded_on_day_20_of_an_undecided_gift(app, recipient):
    treasurer = client_for(app, TREASURER)
    day_20 = (services.today() - timedelta(days=20)).isoformat()
    waiting = record(treasurer, recipient, received_on=day_20)
    decided = record(treasurer, recipient, received_on=day_20, amount="100.00")
    page = f"/treasury/gifts/{decided}"
    assert submit(treasurer, page, {}, f"{page}/accept").status_code == 302
    record(treasurer, recipient)  # day 0: not yet
    from coop.donations.tasks import remind_undecided

    assert remind_undecided() == 1
    with app.app_context():
        told = db.session.scalars(
            select(Notification.message).where(Notification.member_id == find(TREASURER).id)
        ).all()
    assert [m for m in told if f"Gift {waiting} " in m and "10 days left" in m]
    assert "10 days left" in treasurer.get(f"/treasury/gifts/{waiting}").get_data(as_text=True)


def test_a_new_donation_from_a_source_checked_before_asks_for_a_fresh_check(app, recipient):
    treasurer = client_for(app, TREASURER)
    first = record(treasurer, recipient)
    page = f"/treasury/gifts/{first}"
    checked = {"check_method": "Electoral register", "check_evidence": "Extract"}
    assert submit(treasurer, page, checked, f"{page}/accept").status_code == 302
    second = record(treasurer, recipient)
    small = record(treasurer, recipient, amount="20.00")  # not a donation: nothing to check
    html = treasurer.get("/treasury").get_data(as_text=True)
    assert html.count("Check again: last checked") == 1
    [row] = [r for r in html.split("<tr>") if f'/treasury/gifts/{second}"' in r]
    assert "Check again: last checked" in row
    assert gift(app, small).status == "received"
