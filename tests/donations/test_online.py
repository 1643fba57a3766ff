"""Giving online through Stripe Checkout, against a local stand-in that speaks Stripe's API
and signs webhooks as Stripe does: the platform's real client (Stripe's library) is used.
A visitor declares and pays; the webhook records the gift exactly once and sends the
receipt; replayed, reordered, altered and forged webhooks change nothing; an impermissible
source is refused before payment; a returned card gift is refunded to the card."""

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.donations.models import Gift, GiftEvent
from coop.donations.online.models import Checkout, PaymentEvent
from coop.extensions import db
from coop.uktime import UK, utcnow
from tests.donations.helpers import make_treasury
from tests.donations.stripe_standin import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    event,
    signed,
)
from tests.factories import client_for
from tests.membership.helpers import TREASURER
from tests.parallel import post_at_once
from tests.support import csrf_token, submit

HOOK = "/donate/stripe/webhook"


@pytest.fixture
def online(app_factory, stripe_api):
    app = app_factory(
        STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_api.url, STRIPE_TIMEOUT_SECONDS=2,
    )  # fmt: skip
    app.recipient_id = make_treasury(app)
    return app


def donor_form(recipient: int, **changes) -> dict:
    form = {
        "choice": "other",
        "amount": "25.00",
        "frequency": "once",
        "recipient_id": str(recipient),
        "donor_kind": "individual",
        "donor_name": "Mary Seacole",
        "donor_address": "14 Tavistock Place\nLondon\nWC1H 9RE",
        "declarations": ["on_register", "own_money"],
        "email": "mary@example.org",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def give(app, **changes):
    client = app.test_client()
    return client, submit(client, "/donate", donor_form(app.recipient_id, **changes))


def deliver(app, body: dict, secret: str = WEBHOOK_SECRET, at: int | None = None):
    payload = json.dumps(body).encode()
    headers = {"Stripe-Signature": signed(payload, secret, at), "Content-Type": "application/json"}
    return app.test_client().post(HOOK, data=payload, headers=headers)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def the_checkout(app) -> Checkout:
    with app.app_context():
        found = db.session.scalars(select(Checkout)).one()
        db.session.expunge(found)
        return found


def the_gifts(app) -> list[Gift]:
    with app.app_context():
        gifts = list(db.session.scalars(select(Gift).order_by(Gift.id)))
        for gift in gifts:
            db.session.expunge(gift)
        return gifts


def test_a_visitor_gives_through_checkout_and_the_webhook_records_the_gift_and_the_receipt(
    online, stripe_api, outbox
):
    client, response = give(online)
    assert response.status_code == 303
    checkout = the_checkout(online)
    session = stripe_api.sessions[checkout.session_id]
    assert response.headers["Location"] == session["url"]
    method, path, params = stripe_api.requests[-1]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert params["client_reference_id"] == checkout.reference
    assert params["mode"] == "payment" and params["customer_email"] == "mary@example.org"
    price = params["line_items"][0]["price_data"]
    assert (price["currency"], price["unit_amount"]) == ("gbp", "2500")
    assert checkout.state == "open" and checkout.declarations == {
        "on_register": True, "own_money": True,
    }  # fmt: skip
    assert the_gifts(online) == []  # nothing until Stripe says the money arrived

    answer = deliver(online, stripe_api.pay(checkout.session_id))
    assert answer.status_code == 200 and "recorded" in answer.get_data(as_text=True)
    [gift] = the_gifts(online)
    assert (gift.amount_pence, gift.method, gift.status) == (2500, "card", "received")
    assert gift.payment_reference == stripe_api.sessions[checkout.session_id]["payment_intent"]
    assert gift.donor_name == "Mary Seacole" and gift.checkout_id == checkout.id
    assert the_checkout(online).state == "paid"
    [receipt] = outbox.to("mary@example.org")
    body = receipt.get_content()
    assert "The Independents Co-operative" in receipt["Subject"]
    assert "Received by:  The Independents Co-operative" in body and "£25.00" in body
    thanks = client.get(f"/donate/thanks/{checkout.reference}").get_data(as_text=True)
    assert "has arrived" in thanks


def test_a_webhook_replayed_or_reported_twice_records_one_gift_and_sends_one_receipt(
    online, stripe_api, outbox
):
    give(online)
    completed = stripe_api.pay(the_checkout(online).session_id)
    assert "recorded" in deliver(online, completed).get_data(as_text=True)
    again = deliver(online, completed)  # Stripe retries an event it thinks was not received
    assert again.status_code == 200 and "already processed" in again.get_data(as_text=True)
    same_payment = event("checkout.session.async_payment_succeeded", completed["data"]["object"])
    assert "already recorded" in deliver(online, same_payment).get_data(as_text=True)
    assert len(the_gifts(online)) == 1 and len(outbox.to("mary@example.org")) == 1
    assert count(online, PaymentEvent) == 2


def test_events_out_of_order_only_move_a_checkout_forwards(online, stripe_api):
    give(online)
    session_id = the_checkout(online).session_id
    completed = stripe_api.pay(session_id)
    late_expiry = event("checkout.session.expired", {**completed["data"]["object"],
                                                     "status": "expired"})  # fmt: skip
    deliver(online, completed)
    assert "already settled" in deliver(online, late_expiry).get_data(as_text=True)
    assert the_checkout(online).state == "paid" and len(the_gifts(online)) == 1


def test_an_abandoned_checkout_expires_and_records_no_gift(online, stripe_api):
    give(online)
    session = stripe_api.sessions[the_checkout(online).session_id]
    deliver(online, event("checkout.session.expired", {**session, "status": "expired"}))
    assert the_checkout(online).state == "expired" and the_gifts(online) == []


@pytest.mark.parametrize("forgery", ["wrong secret", "altered", "stale", "unsigned", "garbage"])
def test_forged_altered_stale_or_unsigned_webhooks_are_refused_and_change_nothing(
    online, stripe_api, forgery
):
    give(online)
    completed = stripe_api.pay(the_checkout(online).session_id)
    payload = json.dumps(completed).encode()
    client = online.test_client()
    if forgery == "wrong secret":
        response = deliver(online, completed, secret="whsec_" + "x" * 28)
    elif forgery == "altered":  # signed, then the amount changed on the way
        signature = signed(payload)
        tampered = payload.replace(b'"amount_total": 2500', b'"amount_total": 250000')
        response = client.post(HOOK, data=tampered, headers={"Stripe-Signature": signature})
    elif forgery == "stale":  # a real signature, replayed ten minutes later
        response = deliver(online, completed, at=int(time.time()) - 600)
    elif forgery == "unsigned":
        response = client.post(HOOK, data=payload)
    else:
        response = client.post(HOOK, data=b"\x00not json", headers={"Stripe-Signature": "t=1"})
    assert response.status_code == 400
    assert the_gifts(online) == [] and count(online, PaymentEvent) == 0
    assert the_checkout(online).state == "open"


def test_a_paid_amount_that_does_not_match_the_declared_gift_records_nothing(online, stripe_api):
    give(online)
    completed = stripe_api.pay(the_checkout(online).session_id)
    completed["data"]["object"]["amount_total"] = 1  # signed as Stripe would sign it
    assert "does not match" in deliver(online, completed).get_data(as_text=True)
    assert the_gifts(online) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"donor_kind": "other"}, "donor_kind", "cannot take this one"),
        ({"declarations": ["on_register"]}, "declarations", "not given on someone else"),
        ({"donor_kind": "company", "number": "123"}, "number", "Companies House"),
        ({"donor_kind": "company", "number": "01234567",
          "declarations": ["uk_registered", "business_in_uk", "own_money"]},
         "declarations", "authorised by the shareholders"),
        ({"amount": "0.50"}, "amount", "between £1.00 and £10,000.00"),
        ({"amount": "10000.01"}, "amount", "between"),
        ({"amount": "1.005"}, "amount", "pounds and pence"),
        ({"amount": None}, "amount", "between"),
        ({"choice": "1234"}, "amount", "between"),  # not one of the suggested amounts
        ({"choice": None}, "choice", "Choose an amount"),
        ({"email": "not an address"}, "email", "valid email"),
        ({"donor_name": "x" * 201}, "donor_name", "200"),
        ({"donor_name": "Bad\x00Name"}, "donor_name", ""),
        ({"frequency": "weekly"}, "frequency", ""),
        ({"recipient_id": "999999"}, "recipient_id", "Choose whom"),
        ({"recipient_id": "99999999999999999999"}, "recipient_id", "Choose whom"),
        ({"amount": "NaN"}, "amount", "pounds"),
        ({"amount": "Infinity"}, "amount", "pounds"),
    ],
)  # fmt: skip
def test_a_source_not_permissible_or_bad_input_is_refused_before_payment(
    online, stripe_api, changes, field, message
):
    _client, response = give(online, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html or f'href="#{field}"' in html, html[-3000:]
    assert message.replace("'", "&#39;") in html
    assert 'value="Mary Seacole"' in html or changes.get("donor_name")  # what was entered stays
    assert stripe_api.sessions == {} and count(online, Checkout) == 0


def test_stripe_down_answers_503_on_the_form_and_writes_nothing(online, stripe_api):
    stripe_api.failing = 10  # every try, the library's retries included
    _client, response = give(online)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Nothing was charged" in html and 'value="Mary Seacole"' in html
    assert count(online, Checkout) == 0


def test_without_stripe_keys_the_form_is_not_offered_and_the_webhook_is_not_there(app, client):
    make_treasury(app)
    html = client.get("/donate").get_data(as_text=True)
    assert "Online giving is not set up yet" in html and "Continue to payment" not in html
    assert client.post(HOOK, data=b"{}").status_code == 404


def test_a_returned_card_gift_is_refunded_to_the_card_once(online, stripe_api):
    assert give(online, amount="600.00")[1].status_code == 303
    deliver(online, stripe_api.pay(the_checkout(online).session_id))
    [gift] = the_gifts(online)
    treasurer = client_for(online, TREASURER)
    page = f"/treasury/gifts/{gift.id}"
    stripe_api.failing = 10
    down = submit(treasurer, page, {"returned_to": "donor", "note": "Not on the register"},
                  f"{page}/return")  # fmt: skip
    assert down.status_code == 503 and the_gifts(online)[0].status == "received"
    stripe_api.failing = 0
    returned = submit(treasurer, page, {"returned_to": "donor", "note": "Not on the register"},
                      f"{page}/return")  # fmt: skip
    assert returned.status_code == 302
    [refund] = stripe_api.refunds.values()
    assert refund["payment_intent"] == gift.payment_reference and refund["amount"] == 60000
    assert the_gifts(online)[0].status == "returned"
    again = submit(treasurer, page, {"returned_to": "donor", "note": "again"}, f"{page}/return")
    assert again.status_code == 409 and len(stripe_api.refunds) == 1
    refunded = {"id": "ch_test_1", "object": "charge", "payment_intent": gift.payment_reference,
                "amount_refunded": 60000, "refunded": True}  # fmt: skip
    assert "refund noted" in deliver(online, event("charge.refunded", refunded)).get_data(
        as_text=True
    )
    with online.app_context():
        notes = db.session.scalars(select(GiftEvent.note).where(GiftEvent.gift_id == gift.id))
        assert any("Stripe confirmed a refund of £600.00" in note for note in notes)


def test_the_same_event_delivered_at_the_same_moment_records_one_gift(online, stripe_api):
    give(online)
    completed = stripe_api.pay(the_checkout(online).session_id)
    payload = json.dumps(completed).encode()
    clients = [online.test_client() for _ in range(6)]
    for client in clients:
        client.environ_base["HTTP_STRIPE_SIGNATURE"] = signed(payload)
    statuses = post_at_once(clients, HOOK, [payload] * 6)
    assert set(statuses) == {200}
    assert len(the_gifts(online)) == 1 and count(online, PaymentEvent) == 1


def test_giving_is_limited_per_address(app_factory, stripe_api):
    app = app_factory(
        STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_api.url, LIMIT_DONATE_PER_IP="2 per hour",
    )  # fmt: skip
    app.recipient_id = make_treasury(app)
    client = app.test_client()
    token = csrf_token(client, "/donate")
    statuses = [
        client.post("/donate", data={"csrf_token": token, **donor_form(app.recipient_id)})
        .status_code
        for _ in range(3)
    ]  # fmt: skip
    assert statuses == [303, 303, 429]


def test_a_checkout_never_paid_is_forgotten_after_a_week_and_a_paid_one_is_kept(online, stripe_api):
    from datetime import timedelta

    from coop.donations.tasks import forget_unpaid_checkouts
    from coop.uktime import utcnow

    give(online)
    give(online, donor_name="Paid Donor")
    paid = db_checkouts(online)[1]
    deliver(online, stripe_api.pay(paid.session_id))
    with online.app_context():
        for checkout in db.session.scalars(select(Checkout)):
            checkout.created_at = utcnow() - timedelta(days=8)
        db.session.commit()
        assert forget_unpaid_checkouts() == 1
        assert db.session.scalars(select(Checkout.donor_name)).all() == ["Paid Donor"]


def test_a_signed_in_donors_export_holds_what_they_declared(online, stripe_api):
    from coop.accounts.models import Member
    from coop.privacy.export.services import collect

    client = client_for(online, TREASURER)
    assert submit(client, "/donate", donor_form(online.recipient_id)).status_code == 303
    with online.app_context():
        member = db.session.scalar(select(Member).where(Member.email == TREASURER))
        exported = json.loads(collect(member)["donation_checkouts.json"])
    assert exported[0]["donor_name"] == "Mary Seacole" and exported[0]["state"] == "open"


def db_checkouts(app) -> list[Checkout]:
    with app.app_context():
        found = list(db.session.scalars(select(Checkout).order_by(Checkout.id)))
        for checkout in found:
            db.session.expunge(checkout)
        return found


def test_a_monthly_gift_records_each_payment_once_whatever_order_events_come_in(
    online, stripe_api, outbox
):
    give(online, frequency="monthly", amount="10.00")
    checkout = the_checkout(online)
    _method, _path, params = stripe_api.requests[-1]
    assert params["mode"] == "subscription"
    assert params["line_items"][0]["price_data"]["recurring"] == {"interval": "month"}
    assert params["subscription_data"]["metadata"]["reference"] == checkout.reference
    completed = stripe_api.pay(checkout.session_id)
    subscription = completed["data"]["object"]["subscription"]
    first = stripe_api.renew(subscription, 1000)
    assert "recorded" in deliver(online, first).get_data(as_text=True)  # before the completion
    assert "monthly gift started" in deliver(online, completed).get_data(as_text=True)
    assert "already processed" in deliver(online, first).get_data(as_text=True)
    assert "recorded" in deliver(online, stripe_api.renew(subscription, 1000)).get_data(
        as_text=True
    )
    gifts = the_gifts(online)
    assert [g.amount_pence for g in gifts] == [1000, 1000]
    assert len({g.payment_reference for g in gifts}) == 2
    assert the_checkout(online).subscription_id == subscription
    receipts = outbox.to("mary@example.org")
    assert len(receipts) == 2 and "a monthly gift" in receipts[0].get_content()
    assert f"/donate/monthly/{checkout.reference}/stop" in receipts[0].get_content()


def test_a_donor_stops_their_monthly_gift_from_the_receipts_link(online, stripe_api):
    give(online, frequency="monthly", amount="10.00")
    checkout = the_checkout(online)
    completed = stripe_api.pay(checkout.session_id)
    subscription = completed["data"]["object"]["subscription"]
    deliver(online, completed)
    deliver(online, stripe_api.renew(subscription, 1000))
    client = online.test_client()
    page = f"/donate/monthly/{checkout.reference}/stop"
    stripe_api.failing = 10
    assert submit(client, page).status_code == 503
    assert the_checkout(online).state == "paid"
    stripe_api.failing = 0
    stopped = submit(client, page)
    assert stopped.status_code == 303
    assert stripe_api.subscriptions[subscription]["status"] == "canceled"
    assert the_checkout(online).state == "ended"
    assert "is stopped" in client.get(page).get_data(as_text=True)
    assert "monthly gift ended" in deliver(online, stripe_api.ended(subscription)).get_data(
        as_text=True
    )
    late = stripe_api.renew(subscription, 1000)  # taken before the end, reported after it
    assert "recorded" in deliver(online, late).get_data(as_text=True)  # money taken is a gift
    assert len(the_gifts(online)) == 2
    assert online.test_client().get("/donate/monthly/not-a-reference/stop").status_code == 404


def test_a_returned_monthly_payment_is_refunded_to_its_own_payment(online, stripe_api):
    give(online, frequency="monthly", amount="10.00")
    completed = stripe_api.pay(the_checkout(online).session_id)
    paid = stripe_api.renew(completed["data"]["object"]["subscription"], 1000)
    deliver(online, paid)
    [gift] = the_gifts(online)
    treasurer = client_for(online, TREASURER)
    page = f"/treasury/gifts/{gift.id}"
    form = {"returned_to": "donor", "note": "Asked for it back"}
    assert submit(treasurer, page, form, f"{page}/return").status_code == 302
    [refund] = stripe_api.refunds.values()
    assert refund["payment_intent"] == gift.payment_reference and refund["amount"] == 1000


def test_gifts_under_the_threshold_on_one_card_or_one_email_are_flagged_whoever_gives(
    online, stripe_api
):
    for number, name in enumerate(("Ann One", "Bob Two", "Cat Three")):
        stripe_api.card = "fp_shared_card"
        give(online, amount="490.00", donor_name=name,
             donor_address=f"{number} Different Street\nTown\nAB{number} 1CD",
             email=f"donor{number}@example.org")  # fmt: skip
        deliver(online, stripe_api.pay(db_checkouts(online)[-1].session_id))
    stripe_api.card = "fp_another_card"
    give(online, amount="490.00", donor_name="Dan Four", donor_address="9 Far Lane\nFarton",
         email="donor0@example.org")  # fmt: skip
    deliver(online, stripe_api.pay(db_checkouts(online)[-1].session_id))
    stripe_api.card = "fp_eves_own_card"
    give(online, amount="490.00", donor_name="Eve Five", donor_address="8 Far Lane\nFarton",
         email="eve@example.org")  # fmt: skip
    deliver(online, stripe_api.pay(db_checkouts(online)[-1].session_id))
    cards = [g.card_fingerprint for g in the_gifts(online)]
    assert cards == ["fp_shared_card"] * 3 + ["fp_another_card", "fp_eves_own_card"]
    html = client_for(online, TREASURER).get("/treasury").get_data(as_text=True)
    assert html.count("Possibly split") == 4  # three on one card, one more by email; not Eve


def test_a_suggested_amount_is_given_as_chosen(online, stripe_api):
    assert give(online, choice="1000", amount=None)[1].status_code == 303
    assert the_checkout(online).amount_pence == 1000


def treasurers_told(app) -> list[str]:
    from coop.notifications.models import Notification

    with app.app_context():
        return list(db.session.scalars(select(Notification.message)))


def test_a_payment_in_another_currency_or_amount_is_not_recorded_as_the_gift_and_is_flagged(
    online, stripe_api
):
    give(online)
    completed = stripe_api.pay(the_checkout(online).session_id)
    completed["data"]["object"]["currency"] = "jpy"  # signed as Stripe would sign it
    assert "does not match" in deliver(online, completed).get_data(as_text=True)
    assert the_gifts(online) == []
    assert any("does not match the gift declared" in m for m in treasurers_told(online))
    checkout = the_checkout(online)
    assert checkout.state == "paid"  # money was taken: the declaration is kept
    from coop.donations.tasks import forget_unpaid_checkouts

    with online.app_context():
        db.session.get(Checkout, checkout.id).created_at = utcnow() - timedelta(days=30)
        db.session.commit()
        assert forget_unpaid_checkouts() == 0


def test_the_gift_is_dated_when_it_was_paid_not_when_stripe_reported_it(online, stripe_api):
    give(online)
    completed = stripe_api.pay(the_checkout(online).session_id)
    completed["created"] -= 3 * 24 * 3600  # Stripe retried for three days
    deliver(online, completed)
    [gift] = the_gifts(online)
    assert gift.received_on == (utcnow() - timedelta(days=3)).astimezone(UK).date()


def test_returning_a_monthly_gift_stops_it_and_a_stop_works_before_the_completion_event(
    online, stripe_api
):
    give(online, frequency="monthly", amount="600.00")
    completed = stripe_api.pay(the_checkout(online).session_id)
    subscription = completed["data"]["object"]["subscription"]
    deliver(online, stripe_api.renew(subscription, 60000))  # before the completion
    assert the_checkout(online).subscription_id == subscription
    [gift] = the_gifts(online)
    treasurer = client_for(online, TREASURER)
    page = f"/treasury/gifts/{gift.id}"
    form = {"returned_to": "donor", "note": "Not on the register"}
    assert submit(treasurer, page, form, f"{page}/return").status_code == 302
    assert stripe_api.subscriptions[subscription]["status"] == "canceled"
    assert the_checkout(online).state == "ended"


def test_a_refund_or_a_dispute_made_in_stripe_reaches_the_ledger(online, stripe_api):
    give(online)
    deliver(online, stripe_api.pay(the_checkout(online).session_id))
    [gift] = the_gifts(online)
    charge = {"id": "ch_1", "object": "charge", "payment_intent": gift.payment_reference,
              "amount_refunded": 2500, "refunded": True}  # fmt: skip
    assert "returned" in deliver(online, event("charge.refunded", charge)).get_data(as_text=True)
    assert the_gifts(online)[0].status == "returned"
    dispute = {"id": "dp_1", "object": "dispute", "payment_intent": gift.payment_reference,
               "reason": "fraudulent", "amount": 2500}  # fmt: skip
    deliver(online, event("charge.dispute.created", dispute))
    assert any(f"Gift {gift.id} is disputed" in m for m in treasurers_told(online))


def test_a_refund_stripe_has_made_already_counts_as_made(online, stripe_api):
    give(online)
    deliver(online, stripe_api.pay(the_checkout(online).session_id))
    [gift] = the_gifts(online)
    stripe_api.refunds["re_earlier"] = {
        "id": "re_earlier",
        "payment_intent": gift.payment_reference,
    }
    treasurer = client_for(online, TREASURER)
    page = f"/treasury/gifts/{gift.id}"
    form = {"returned_to": "donor", "note": "Asked for it back"}
    assert submit(treasurer, page, form, f"{page}/return").status_code == 302
    assert the_gifts(online)[0].status == "returned"
