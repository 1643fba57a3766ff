"""Giving online: the donate page, the page Stripe returns to, and Stripe's webhook."""

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms.fields import SelectChoice

from coop.donations import services as ledger
from coop.donations.forms import DonateForm, StopForm
from coop.donations.online import payments, services
from coop.donations.online.models import CheckoutState
from coop.extensions import csrf, limiter
from coop.money import pence, pounds
from coop.security import policy_with_form_action
from coop.web import absolute_url, form_status, save

bp = Blueprint("giving", __name__)
WEBHOOK_MAX_BYTES = 512 * 1024  # Stripe's events are a few kilobytes


def _limit():
    return current_app.config["LIMIT_DONATE_PER_IP"]


@bp.route("/donate", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])  # each try opens a Stripe session: card testers
def donate():
    """Without Stripe keys (make run) the page says online giving is not set up."""
    online = payments.enabled()
    config = current_app.config
    suggested = config["DONATION_SUGGESTED_PENCE"]
    form = DonateForm()
    form.recipient_id.choices = [SelectChoice(r.id, r.name) for r in ledger.recipients()]
    form.choice.choices = [SelectChoice(str(p), pounds(p)) for p in suggested] + [
        SelectChoice(OTHER, "Another amount")
    ]
    low, high = pounds(config["DONATION_MIN_PENCE"]), pounds(config["DONATION_MAX_PENCE"])
    form.amount.description = f"If you chose another amount: anything from {low} to {high}."
    if online and form.validate_on_submit():
        saved = save(
            form, services.start_checkout, current_user, form.recipient_id.data,
            form.frequency.data, _chosen(form, suggested), form.donor_kind.data,
            form.donor_name.data, form.donor_address.data, form.number.data,
            form.declarations.data or [], form.email.data, _return_urls,
        )  # fmt: skip
        if saved:
            return redirect(saved.value.pay_at, 303)
    page = render_template("donations/donate.html", online=online, form=form)
    # The form's answer redirects to Stripe's page: the policy must allow it to go there.
    headers = {"Content-Security-Policy": policy_with_form_action(payments.checkout_origin())}
    return page, form_status(form), headers if online else {}


OTHER = "other"


def _chosen(form: DonateForm, suggested: tuple[int, ...]) -> int | None:
    """The amount in pence: a suggested one, or the one typed in; None when neither (the
    service says what to do)."""
    if form.choice.data == OTHER:
        return pence(form.amount.data) if form.amount.data is not None else None
    return next((p for p in suggested if str(p) == form.choice.data), None)


def _return_urls(reference: str) -> tuple[str, str]:
    return (
        absolute_url("giving.given", reference=reference),
        absolute_url("giving.donate"),
    )


@bp.get("/donate/thanks/<reference>")
def given(reference: str):
    """Where Stripe sends the donor back. The gift is recorded when Stripe's webhook says
    the money arrived, which may be a moment after this page."""
    checkout, recipient = services.checkout_by_reference(reference)
    paid = checkout.state == CheckoutState.PAID
    return render_template(
        "donations/thanks.html", checkout=checkout, recipient=recipient, paid=paid
    )


@bp.route("/donate/monthly/<reference>/stop", methods=["GET", "POST"])
def stop_monthly(reference: str):
    """The link in a monthly gift's receipts: stop it, without signing in."""
    form = StopForm()
    if form.validate_on_submit() and save(form, services.stop_monthly, reference):
        return redirect(url_for("giving.stop_monthly", reference=reference), 303)
    checkout, recipient = services.monthly_gift(reference)
    page = render_template(
        "donations/stop_monthly.html", checkout=checkout, recipient=recipient, form=form
    )
    return page, form_status(form)


@bp.post("/donate/stripe/webhook")
@csrf.exempt  # Stripe's signature over the exact body is the authority, not a session
@limiter.exempt
def stripe_webhook():
    if not payments.enabled():
        return Response("not set up\n", 404, mimetype="text/plain")
    if (request.content_length or 0) > WEBHOOK_MAX_BYTES:
        return Response("too large\n", 413, mimetype="text/plain")
    payload = request.get_data(cache=False)
    try:
        event = payments.verified_event(payload, request.headers.get("Stripe-Signature"))
    except payments.BadSignature:
        return Response("bad signature\n", 400, mimetype="text/plain")
    outcome = save(None, services.handle_event, event).value  # the event and its change, at once
    return Response(outcome + "\n", 200, mimetype="text/plain")
