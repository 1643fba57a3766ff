"""Donations: the public page, the treasurer's ledger, recipients and thresholds, the year's
reportable donations, and totals for organisers."""

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from coop.donations import rules, services
from coop.donations.forms import AcceptForm, GiftForm, RecipientForm, ReturnForm, ThresholdForm
from coop.donations.models import DONOR_LABELS, METHOD_LABELS, REGIME_LABELS, Status
from coop.membership.permissions import require_treasurer
from coop.money import pence
from coop.web import form_status, save

bp = Blueprint("donations", __name__)


@bp.app_template_global()
def donation_labels() -> dict:
    return {"donor": DONOR_LABELS, "method": METHOD_LABELS, "regime": REGIME_LABELS}


@bp.get("/treasury")
@login_required
def ledger():
    status = request.args.get("status")
    lines = save(None, services.ledger, current_user, status).value
    page = render_template(
        "donations/ledger.html", lines=lines, status=status, statuses=Status,
        this_year=services.today().year,
    )  # fmt: skip
    return page


@bp.route("/treasury/gifts/new", methods=["GET", "POST"])
@login_required
def record():
    require_treasurer(current_user)
    form = GiftForm()
    form.recipient_id.choices = [SelectChoice(r.id, r.name) for r in services.recipients()]
    if form.validate_on_submit():
        saved = save(
            form, services.record_gift, current_user, form.recipient_id.data,
            form.donor_kind.data, form.donor_name.data, form.donor_address.data,
            form.number.data, form.declarations.data or [], pence(form.amount.data),
            form.received_on.data, form.method.data, form.reference.data,
        )  # fmt: skip
        if saved:
            flash("The gift is in the ledger. Decide it within 30 days.", "success")
            return redirect(url_for("donations.gift", gift_id=saved.value.id))
    return render_template("donations/record.html", form=form), form_status(form)


@bp.get("/treasury/gifts/<int:gift_id>")
@login_required
def gift(gift_id: int):
    return _gift_page(gift_id, AcceptForm(formdata=None), ReturnForm(formdata=None))


def _gift_page(gift_id: int, accept_form, return_form, status: int = 200):
    found, recipient, events = save(None, services.gift_page, current_user, gift_id).value
    page = render_template(
        "donations/gift.html",
        gift=found,
        recipient=recipient,
        events=events,
        days_left=rules.days_left(found.received_on, services.today()),
        accept_form=accept_form,
        return_form=return_form,
        check_form=AcceptForm(formdata=None),
    )
    return page, status


@bp.post("/treasury/gifts/<int:gift_id>/check")
@login_required
def check(gift_id: int):
    if AcceptForm().validate_on_submit():
        save(None, services.start_check, current_user, gift_id)
        flash("The check is under way.", "info")
    return redirect(url_for("donations.gift", gift_id=gift_id))


@bp.post("/treasury/gifts/<int:gift_id>/accept")
@login_required
def accept(gift_id: int):
    form = AcceptForm()
    if form.validate_on_submit() and save(
        form, services.accept, current_user, gift_id, form.check_method.data,
        form.check_evidence.data,
    ):  # fmt: skip
        flash("The gift is accepted.", "success")
        return redirect(url_for("donations.gift", gift_id=gift_id))
    return _gift_page(gift_id, form, ReturnForm(formdata=None), form_status(form))


@bp.post("/treasury/gifts/<int:gift_id>/return")
@login_required
def return_gift(gift_id: int):
    form = ReturnForm()
    if form.validate_on_submit() and save(
        form, services.return_gift, current_user, gift_id, form.returned_to.data, form.note.data
    ):
        flash("The return is recorded.", "success")
        return redirect(url_for("donations.gift", gift_id=gift_id))
    return _gift_page(gift_id, AcceptForm(formdata=None), form, form_status(form))


@bp.route("/treasury/recipients", methods=["GET", "POST"])
@login_required
def recipients():
    require_treasurer(current_user)
    form = RecipientForm()
    if form.validate_on_submit() and save(
        form, services.add_recipient, current_user, form.name.data, form.description.data,
        form.regime.data,
    ):  # fmt: skip
        flash("The recipient is added.", "success")
        return redirect(url_for("donations.recipients"))
    page = render_template(
        "donations/recipients.html", form=form, recipients=services.recipients(False)
    )
    return page, form_status(form)


@bp.route("/treasury/thresholds", methods=["GET", "POST"])
@login_required
def thresholds():
    require_treasurer(current_user)
    form = ThresholdForm()
    if form.validate_on_submit() and save(
        form, services.add_threshold, current_user, form.regime.data, form.kind.data,
        pence(form.amount.data), form.effective_from.data, form.source.data,
    ):  # fmt: skip
        flash("The figure is recorded.", "success")
        return redirect(url_for("donations.thresholds"))
    page = render_template(
        "donations/thresholds.html", form=form, thresholds=services.all_thresholds()
    )
    return page, form_status(form)


@bp.get("/treasury/reportable.csv")
@login_required
def reportable():
    year = request.args.get("year", "")
    year_number = int(year) if year.isdecimal() and len(year) == 4 else 0
    body = save(None, services.reportable_csv, current_user, year_number).value
    headers = {"Content-Disposition": f"attachment; filename=reportable-donations-{year}.csv"}
    return Response(body, mimetype="text/csv", headers=headers)


@bp.get("/treasury/totals")
@login_required
def totals():
    return render_template("donations/totals.html", totals=services.totals(current_user))
