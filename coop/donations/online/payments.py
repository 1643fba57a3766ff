"""The one place that talks to Stripe, through Stripe's own library: Checkout Sessions,
refunds, and the verification of webhook signatures (stripe's construct_event: HMAC-SHA256
over "<timestamp>.<payload>" with the endpoint's signing secret, refused outside five
minutes). STRIPE_API_BASE points the same client at a local stand-in in tests."""

from dataclasses import dataclass

import stripe
from flask import current_app

from coop.errors import Unavailable

UNAVAILABLE = "Card payments are not available just now. Nothing was charged: please try again."


def enabled() -> bool:
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def checkout_origin() -> str:
    """Where Stripe's hosted payment page is (the donate page's policy lets its form go
    there): STRIPE_CHECKOUT_ORIGIN, https://checkout.stripe.com unless a stand-in's."""
    return current_app.config["STRIPE_CHECKOUT_ORIGIN"]


def _client() -> stripe.StripeClient:
    config = current_app.config
    base = {"api": config["STRIPE_API_BASE"]} if config.get("STRIPE_API_BASE") else None
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses=base,
        max_network_retries=2,  # Stripe's library sends an idempotency key with each retry
        http_client=stripe.RequestsClient(timeout=config["STRIPE_TIMEOUT_SECONDS"]),
    )


@dataclass(frozen=True)
class Session:
    id: str
    url: str


def start_session(
    reference: str,
    amount_pence: int,
    monthly: bool,
    description: str,
    email: str,
    success_url: str,
    cancel_url: str,
) -> Session:
    """A Checkout Session for one gift (or a monthly subscription), tied to our checkout by
    client_reference_id and, for a subscription's later payments, its metadata."""
    price = {
        "currency": "gbp",
        "unit_amount": amount_pence,
        "product_data": {"name": description},
    }
    if monthly:
        price["recurring"] = {"interval": "month"}
    params: dict = {
        "mode": "subscription" if monthly else "payment",
        "client_reference_id": reference,
        "customer_email": email,
        "line_items": [{"price_data": price, "quantity": 1}],
        "metadata": {"reference": reference},
        "success_url": success_url,
        "cancel_url": cancel_url,
        "payment_method_types": ["card"],
    }
    if monthly:
        params["subscription_data"] = {"metadata": {"reference": reference}}
    else:
        params["payment_intent_data"] = {"metadata": {"reference": reference}}
    try:
        session = _client().v1.checkout.sessions.create(
            params, {"idempotency_key": f"checkout-{reference}"}
        )
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe refused or failed a checkout: %s", type(error).__name__)
        raise Unavailable(UNAVAILABLE) from None
    return Session(session.id, session.url)


def refund(payment_intent: str, gift_id: int) -> str:
    """Refund a card gift in full; the key (the payment's, unique in the Stripe account)
    makes a repeated request the same refund, and a payment Stripe says is refunded already
    (a retry a day later, when Stripe has forgotten the key) is refunded. The refund's id."""
    try:
        made = _client().v1.refunds.create(
            {"payment_intent": payment_intent, "metadata": {"gift": str(gift_id)}},
            {"idempotency_key": f"refund-{payment_intent}"},
        )
    except stripe.InvalidRequestError as error:
        if getattr(error, "code", None) == "charge_already_refunded":
            return "refunded already"
        current_app.logger.warning("Stripe refused a refund: %s", type(error).__name__)
        raise Unavailable(
            "Stripe did not make the refund just now. Nothing was changed: please try again."
        ) from None
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe refused or failed a refund: %s", type(error).__name__)
        raise Unavailable(
            "Stripe did not make the refund just now. Nothing was changed: please try again."
        ) from None
    return made.id


def invoice_payment(invoice_id: str) -> str | None:
    """The PaymentIntent that paid an invoice (a monthly gift's payment): webhooks do not
    carry an invoice's payments, so the invoice is read back with them."""
    try:
        invoice = _client().v1.invoices.retrieve(invoice_id, {"expand": ["payments"]})
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe did not give an invoice: %s", type(error).__name__)
        raise Unavailable("Stripe did not answer; the event will come again.") from None
    for paid in (invoice.to_dict().get("payments") or {}).get("data", []):
        payment = paid.get("payment") or {}
        if paid.get("status") == "paid" and payment.get("payment_intent"):
            return payment["payment_intent"]
    return None


def card_fingerprint(payment_intent: str) -> str | None:
    """Stripe's fingerprint of the card that paid (the same for every payment by that card,
    whoever gives it): how the ledger spots several donors' gifts made on one card."""
    try:
        intent = _client().v1.payment_intents.retrieve(
            payment_intent, {"expand": ["latest_charge"]}
        )
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe did not give a payment: %s", type(error).__name__)
        raise Unavailable("Stripe did not answer; the event will come again.") from None
    charge = intent.to_dict().get("latest_charge") or {}
    details = (charge.get("payment_method_details") or {}) if isinstance(charge, dict) else {}
    return (details.get("card") or {}).get("fingerprint")


def cancel_subscription(subscription_id: str) -> None:
    """Stop a monthly gift: no later payment is taken."""
    try:
        _client().v1.subscriptions.cancel(subscription_id)
    except stripe.InvalidRequestError as error:
        if getattr(error, "code", None) != "resource_missing":
            raise Unavailable(UNAVAILABLE_STOP) from None
    except stripe.StripeError:
        raise Unavailable(UNAVAILABLE_STOP) from None


UNAVAILABLE_STOP = "Stripe did not answer just now. Your gift is not stopped yet: please try again."


class BadSignature(ValueError):
    pass


def verified_event(payload: bytes, signature: str | None) -> stripe.Event:
    """The event, if Stripe signed exactly this payload with our secret in the last five
    minutes; BadSignature otherwise."""
    try:
        return stripe.Webhook.construct_event(
            payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"]
        )
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise BadSignature(str(error)) from None
