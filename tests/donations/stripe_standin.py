"""A local stand-in for the parts of Stripe's API the platform uses, on loopback, speaking
its documented protocol: form-encoded requests with bracketed keys, a bearer secret key,
Idempotency-Key replays, JSON objects and errors shaped as Stripe's; and webhook events
signed exactly as Stripe signs them (Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<payload>" under the endpoint's secret>: https://docs.stripe.com/webhooks#verify-manually).

The platform talks to it through Stripe's own library (STRIPE_API_BASE), the same code path
as production."""

import hashlib
import hmac
import json
import secrets
import threading
import time
from urllib.parse import parse_qsl

import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SECRET_KEY = "sk_test_" + "standin" * 4
WEBHOOK_SECRET = "whsec_" + "standin" * 4


def _nested(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding, undone: line_items[0][price_data][unit_amount]=500."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(out)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


class StripeStandIn:
    def __init__(self) -> None:
        self.sessions: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.intents: dict[str, str] = {}  # payment intent -> the fingerprint of its card
        self.card = "fp_test_card_one"  # the card the next payment is made with
        self.requests: list[tuple[str, str, dict]] = []
        self.replays: dict[str, Response] = {}
        self.failing = 0  # answer the next n requests with a 500
        self.webhook_url: str | None = None  # where the hosted page's payments are reported
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "StripeStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()

    # The API -------------------------------------------------------------------------------

    @Request.application
    def _app(self, request: Request) -> Response:
        if request.path.startswith("/c/pay/"):
            return self._hosted_page(request, request.path.rsplit("/", 1)[1])
        if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        if request.headers.get("Stripe-Version") != stripe.api_version:
            return _error(400, "invalid_request_error", "Unknown API version")
        key = request.headers.get("Idempotency-Key")
        if key and key in self.replays:
            return self.replays[key]
        if self.failing:
            self.failing -= 1
            return _error(500, "api_error", "Something went wrong on Stripe's end")
        params = _nested(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
        self.requests.append((request.method, request.path, params))
        if request.method == "POST" and request.path == "/v1/checkout/sessions":
            response = self._create_session(params)
        elif request.method == "GET" and request.path.startswith("/v1/checkout/sessions/"):
            found = self.sessions.get(request.path.rsplit("/", 1)[1])
            response = _json(found) if found else _error(404, "invalid_request_error", "No such")
        elif request.method == "POST" and request.path == "/v1/refunds":
            response = self._refund(params)
        elif request.method == "GET" and request.path.startswith("/v1/invoices/"):
            found = self.invoices.get(request.path.rsplit("/", 1)[1])
            expand = request.args.getlist("expand[]") or request.args.getlist("expand[0]")
            if found and "payments" not in expand:
                found = {k: v for k, v in found.items() if k != "payments"}
            response = _json(found) if found else _error(404, "invalid_request_error", "No such")
        elif request.method == "GET" and request.path.startswith("/v1/payment_intents/"):
            response = self._intent(request, request.path.rsplit("/", 1)[1])
        elif request.method == "DELETE" and request.path.startswith("/v1/subscriptions/"):
            response = self._cancel(request.path.rsplit("/", 1)[1])
        else:
            response = _error(404, "invalid_request_error", "Unrecognized request URL")
        if key:
            self.replays[key] = response
        return response

    def _create_session(self, params: dict) -> Response:
        item = params["line_items"][0]
        amount = int(item["price_data"]["unit_amount"])
        session_id = "cs_test_" + secrets.token_hex(12)
        session = {
            "id": session_id, "object": "checkout.session", "mode": params["mode"],
            "client_reference_id": params.get("client_reference_id"),
            "amount_total": amount * int(item.get("quantity", 1)),
            "currency": item["price_data"]["currency"],
            "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata", {}), "payment_status": "unpaid",
            "subscription_data": params.get("subscription_data", {}),
            "status": "open", "payment_intent": None, "subscription": None,
            "success_url": params["success_url"], "cancel_url": params["cancel_url"],
            "url": f"{self.url}/c/pay/{session_id}", "livemode": False,
        }  # fmt: skip
        self.sessions[session_id] = session
        return _json(session)

    def _new_intent(self) -> str:
        intent = "pi_test_" + secrets.token_hex(12)
        self.intents[intent] = self.card
        return intent

    def _intent(self, request: Request, intent: str) -> Response:
        if intent not in self.intents:
            return _error(404, "invalid_request_error", f"No such payment_intent: '{intent}'")
        charge = "ch_test_" + intent[8:]
        expanded = "latest_charge" in (
            request.args.getlist("expand[]") + request.args.getlist("expand[0]")
        )
        if expanded:
            charge = {
                "id": charge, "object": "charge", "payment_intent": intent,
                "payment_method_details": {"type": "card", "card": {
                    "brand": "visa", "last4": "4242", "fingerprint": self.intents[intent],
                }},
            }  # fmt: skip
        return _json({"id": intent, "object": "payment_intent", "status": "succeeded",
                      "latest_charge": charge})  # fmt: skip

    def _refund(self, params: dict) -> Response:
        intent = params.get("payment_intent")
        paid = [s for s in self.sessions.values() if s["payment_intent"] == intent] + [
            i
            for i in self.invoices.values()
            if i["payments"]["data"][0]["payment"]["payment_intent"] == intent
        ]
        if not paid:
            return _error(404, "invalid_request_error", f"No such payment_intent: '{intent}'")
        if any(r["payment_intent"] == intent for r in self.refunds.values()):
            return _error(400, "invalid_request_error", "Charge has already been refunded.",
                          "charge_already_refunded")  # fmt: skip
        refund = {
            "id": "re_test_" + secrets.token_hex(12), "object": "refund",
            "payment_intent": intent, "currency": "gbp",
            "amount": paid[0].get("amount_total") or paid[0].get("amount_paid"),
            "status": "succeeded", "metadata": params.get("metadata", {}),
        }  # fmt: skip
        self.refunds[refund["id"]] = refund
        return _json(refund)

    def _hosted_page(self, request: Request, session_id: str) -> Response:
        """Checkout's hosted page, as far as a test needs it: the amount and a Pay button.
        Paying reports the event to the webhook (Stripe does it a moment later; here before
        the donor is sent back), then returns the donor to the success URL."""
        session = self.sessions.get(session_id)
        if session is None:
            return Response("No such session", 404)
        if request.method == "POST":
            completed = self.pay(session_id)
            if self.webhook_url:
                deliver_to(self.webhook_url, completed)
                if session["mode"] == "subscription":
                    deliver_to(
                        self.webhook_url,
                        self.renew(session["subscription"], session["amount_total"]),
                    )
            return Response(status=303, headers={"Location": session["success_url"]})
        html = (
            "<!doctype html><html lang='en'><title>Pay - Stripe stand-in</title><main>"
            f"<h1>Pay £{session['amount_total'] / 100:.2f}</h1>"
            f"<form method='post'><button>Pay</button></form></main></html>"
        )
        return Response(html, content_type="text/html; charset=utf-8")

    # What a donor and Stripe do ------------------------------------------------------------

    def pay(self, session_id: str) -> dict:
        """The donor pays on the hosted page: the session completes, paid. (A subscription's
        first payment is also an invoice: `renew` makes it and each later one.)"""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid")
        if session["mode"] == "subscription":
            subscription = {
                "id": "sub_test_" + secrets.token_hex(12), "object": "subscription",
                "status": "active",
                "metadata": session["subscription_data"].get("metadata", {}),
            }  # fmt: skip
            self.subscriptions[subscription["id"]] = subscription
            session.update(subscription=subscription["id"], payment_intent=None)
        else:
            session["payment_intent"] = self._new_intent()
        return event("checkout.session.completed", session)

    def renew(self, subscription_id: str, amount: int) -> dict:
        """A subscription's payment (its first, or a later month's): an invoice.paid event.
        Its payments, as in Stripe's API, are only there when the invoice is read back with
        expand[]=payments."""
        subscription = self.subscriptions[subscription_id]
        invoice = {
            "id": "in_test_" + secrets.token_hex(12), "object": "invoice", "status": "paid",
            "amount_paid": amount, "currency": "gbp",
            "parent": {"type": "subscription_details", "quote_details": None,
                       "subscription_details": {"subscription": subscription_id,
                                                "metadata": subscription["metadata"]}},
            "payments": {"object": "list", "data": [{
                "object": "invoice_payment", "status": "paid", "amount_paid": amount,
                "payment": {"type": "payment_intent", "payment_intent": self._new_intent()},
            }]},
        }  # fmt: skip
        self.invoices[invoice["id"]] = invoice
        return event("invoice.paid", {k: v for k, v in invoice.items() if k != "payments"})

    def _cancel(self, subscription_id: str) -> Response:
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None or subscription["status"] == "canceled":
            return _error(
                404, "invalid_request_error", f"No such subscription: '{subscription_id}'"
            )
        subscription["status"] = "canceled"
        return _json(subscription)

    def ended(self, subscription_id: str) -> dict:
        return event("customer.subscription.deleted", self.subscriptions[subscription_id])


def event(kind: str, data_object: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or "evt_test_" + secrets.token_hex(12), "object": "event",
        "api_version": stripe.api_version, "created": int(time.time()),
        "data": {"object": dict(data_object)}, "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "type": kind,
    }  # fmt: skip


def deliver_to(url: str, body: dict) -> int:
    """Send an event to a webhook endpoint as Stripe does: JSON, signed."""
    import urllib.request

    payload = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Stripe-Signature": signed(payload)}
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        return answer.status


def signed(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends with `payload`."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


def _error(status: int, kind: str, message: str, code: str | None = None) -> Response:
    error = {"type": kind, "message": message, **({"code": code} if code else {})}
    return _json({"error": error}, status)
