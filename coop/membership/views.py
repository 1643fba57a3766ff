"""Membership pages: a supporter's application and membership, the board's decisions, and
the secretary's registers (view, search, CSV and printable copies, each read audited)."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from coop.membership import queries, services
from coop.membership.forms import (
    ApplyForm,
    AppointForm,
    ApproveResignationForm,
    CessationForm,
    DecisionForm,
    DetailsForm,
    EndTermForm,
    PaymentForm,
)
from coop.membership.models import CEASED_LABELS, OFFICE_LABELS, PAYMENT_LABELS
from coop.membership.permissions import offices_of, require_board, require_registrar
from coop.membership.rules import Rules
from coop.money import pence
from coop.web import CsrfForm, form_status, page_number, save

bp = Blueprint("membership", __name__)


@bp.app_template_global()
def membership_labels() -> dict:
    return {"ceased": CEASED_LABELS, "office": OFFICE_LABELS, "payment": PAYMENT_LABELS}


def _rules() -> Rules:
    return Rules.from_config(current_app.config)


# A supporter's own membership ------------------------------------------------------------


@bp.get("/membership")
@login_required
def mine():
    return _mine_page(DetailsForm(formdata=None))


def _mine_page(details_form: DetailsForm, status: int = 200):
    mine = queries.mine(current_user.id)
    if mine.entry is not None and not details_form.errors:
        details_form.name.data = mine.entry.name
        details_form.postal_address.data = mine.entry.postal_address
        details_form.notices_by_email.data = mine.entry.electronic_address is not None
    page = render_template(
        "membership/mine.html",
        mine=mine,
        rules=_rules(),
        details_form=details_form,
        action_form=CsrfForm(),
        offices=offices_of(current_user),
        may_inspect=services.may_inspect(current_user),
    )
    return page, status


@bp.route("/membership/apply", methods=["GET", "POST"])
@login_required
def apply():
    if queries.mine(current_user.id).membership is not None:
        flash("You are already a member of the co-operative.", "info")
        return redirect(url_for("membership.mine"))
    rules = _rules()
    form = ApplyForm()
    if form.validate_on_submit():
        shares = form.shares.data if rules.shares_max > rules.shares_min else rules.shares_min
        saved = save(
            form, services.apply, current_user, form.legal_name.data, form.postal_address.data,
            shares, form.eligible.data, form.agrees_to_rules.data, form.notices_by_email.data,
        )  # fmt: skip
        if saved:
            flash(
                "Your application is with the board. Pay for your share as the page says; "
                "we will tell you the board's decision.",
                "success",
            )
            return redirect(url_for("membership.mine"))
    return render_template("membership/apply.html", form=form, rules=rules), form_status(form)


@bp.post("/membership/application/<int:application_id>/withdraw")
@login_required
def withdraw_application(application_id: int):
    if CsrfForm().validate_on_submit():
        save(None, services.withdraw_application, current_user, application_id)
        flash("Your application is withdrawn.", "info")
    return redirect(url_for("membership.mine"))


@bp.post("/membership/details")
@login_required
def details():
    form = DetailsForm()
    mine = queries.mine(current_user.id)
    if mine.membership is None:
        return redirect(url_for("membership.mine"))
    if form.validate_on_submit() and save(
        form, services.change_details, current_user, mine.membership.id, form.name.data,
        form.postal_address.data, form.notices_by_email.data,
    ):  # fmt: skip
        flash("The register now holds your new details.", "success")
        return redirect(url_for("membership.mine"))
    return _mine_page(form, form_status(form))


@bp.post("/membership/resign")
@login_required
def resign():
    if CsrfForm().validate_on_submit():
        save(None, services.give_notice, current_user)
        flash("Your resignation is recorded and goes to the board.", "info")
    return redirect(url_for("membership.mine"))


@bp.post("/membership/inspection")
@login_required
def request_inspection():
    if CsrfForm().validate_on_submit():
        save(None, services.request_inspection, current_user)
        flash("Your request to inspect the register is with the secretary.", "info")
    return redirect(url_for("membership.mine"))


@bp.get("/membership/register")
@login_required
def inspect():
    """The duplicate register (s.30(7), s.103): names, addresses and dates, no shares."""
    rows = save(None, services.open_for_inspection, current_user).value
    return render_template("membership/inspect.html", rows=rows)


# The board --------------------------------------------------------------------------------


@bp.get("/board")
@login_required
def board():
    require_board(current_user)
    return render_template(
        "membership/board.html",
        applications=queries.pending_applications(),
        resignations=queries.pending_resignations(),
        inspections=queries.pending_inspections(),
        offices=offices_of(current_user),
        action_form=CsrfForm(),
    )


@bp.get("/board/applications/<int:application_id>")
@login_required
def application(application_id: int):
    return _application_page(
        application_id, PaymentForm(formdata=None), DecisionForm(formdata=None)
    )


def _application_page(application_id: int, payment_form, decision_form, status: int = 200):
    require_board(current_user)
    found = services.board_application(current_user, application_id)
    if not payment_form.errors and payment_form.amount.data is None:
        payment_form.amount.data = found.amount_due_pence / 100
    page = render_template(
        "membership/application.html",
        application=found,
        payment_form=payment_form,
        decision_form=decision_form,
        offices=offices_of(current_user),
    )
    return page, status


@bp.post("/board/applications/<int:application_id>/payment")
@login_required
def payment(application_id: int):
    form = PaymentForm()
    if form.validate_on_submit() and save(
        form, services.record_payment, current_user, application_id, form.method.data,
        pence(form.amount.data), form.paid_on.data, form.reference.data,
    ):  # fmt: skip
        flash("The payment is recorded.", "success")
        return redirect(url_for("membership.application", application_id=application_id))
    return _application_page(application_id, form, DecisionForm(formdata=None), form_status(form))


@bp.post("/board/applications/<int:application_id>/decision")
@login_required
def decide(application_id: int):
    form = DecisionForm()
    if form.validate_on_submit():
        if form.decision.data == "admit":
            saved = save(form, services.admit, current_user, application_id, form.reason.data)
            message = "Admitted: the new member is in the register."
        else:
            saved = save(form, services.refuse, current_user, application_id, form.reason.data)
            message = "Refused: the applicant is told why."
        if saved:
            flash(message, "success")
            return redirect(url_for("membership.board"))
    return _application_page(application_id, PaymentForm(formdata=None), form, form_status(form))


@bp.post("/board/members/<int:membership_id>/resignation")
@login_required
def approve_resignation(membership_id: int):
    form = ApproveResignationForm()
    if form.validate_on_submit() and save(
        form, services.approve_resignation, current_user, membership_id, pence(form.refund.data),
        form.method.data or "", form.note.data,
    ):  # fmt: skip
        flash("The resignation is approved and the register updated.", "success")
        return redirect(url_for("membership.board"))
    return _member_page(membership_id, resignation_form=form, status=form_status(form))


@bp.post("/board/inspections/<int:inspection_id>")
@login_required
def fulfil_inspection(inspection_id: int):
    if CsrfForm().validate_on_submit():
        save(None, services.fulfil_inspection, current_user, inspection_id)
        flash("The register is open to that member for inspection.", "success")
    return redirect(url_for("membership.board"))


# The registers (the secretary) ---------------------------------------------------------------


@bp.get("/register")
@login_required
def register():
    query = request.args.get("q", "")[:100]
    found = save(None, services.read_register, current_user, query, page_number()).value
    return render_template("membership/register.html", found=found, query=query)


@bp.get("/register/members.csv")
@login_required
def register_csv():
    body = save(None, services.register_csv, current_user).value
    headers = {"Content-Disposition": "attachment; filename=register-of-members.csv"}
    return Response(body, mimetype="text/csv", headers=headers)


@bp.get("/register/print")
@login_required
def register_print():
    rows = save(None, services.register_for_print, current_user).value
    return render_template("membership/register_print.html", rows=rows, rules=_rules())


@bp.get("/register/members/<int:membership_id>")
@login_required
def member(membership_id: int):
    return _member_page(membership_id)


def _member_page(
    membership_id: int,
    details_form: DetailsForm | None = None,
    cessation_form: CessationForm | None = None,
    resignation_form: ApproveResignationForm | None = None,
    status: int = 200,
):
    entries = save(None, services.member_history, current_user, membership_id).value
    latest = entries[-1]
    if details_form is None:
        details_form = DetailsForm(formdata=None)
        details_form.name.data = latest.name
        details_form.postal_address.data = latest.postal_address
        details_form.notices_by_email.data = latest.electronic_address is not None
    if resignation_form is None:
        resignation_form = ApproveResignationForm(formdata=None)
        resignation_form.refund.data = latest.paid_pence / 100
    page = render_template(
        "membership/member.html",
        entries=entries,
        latest=latest,
        details_form=details_form,
        cessation_form=cessation_form or CessationForm(formdata=None),
        resignation_form=resignation_form,
        rules=_rules(),
    )
    return page, status


@bp.post("/register/members/<int:membership_id>/details")
@login_required
def member_details(membership_id: int):
    form = DetailsForm()
    if form.validate_on_submit() and save(
        form, services.change_details, current_user, membership_id, form.name.data,
        form.postal_address.data, form.notices_by_email.data,
    ):  # fmt: skip
        flash("A new entry is in the register.", "success")
        return redirect(url_for("membership.member", membership_id=membership_id))
    return _member_page(membership_id, details_form=form, status=form_status(form))


@bp.post("/register/members/<int:membership_id>/cessation")
@login_required
def cessation(membership_id: int):
    form = CessationForm()
    if form.validate_on_submit() and save(
        form, services.record_cessation, current_user, membership_id, form.reason.data,
        form.on.data, form.note.data,
    ):  # fmt: skip
        flash("The end of the membership is in the register.", "success")
        return redirect(url_for("membership.member", membership_id=membership_id))
    return _member_page(membership_id, cessation_form=form, status=form_status(form))


@bp.get("/register/officers")
@login_required
def officers():
    return _officers_page(AppointForm(formdata=None))


def _officers_page(form: AppointForm, status: int = 200):
    rows = save(None, services.read_officers, current_user).value
    page = render_template(
        "membership/officers.html", rows=rows, form=form, end_form=EndTermForm(formdata=None)
    )
    return page, status


@bp.get("/register/officers.csv")
@login_required
def officers_csv():
    body = save(None, services.officers_csv, current_user).value
    headers = {"Content-Disposition": "attachment; filename=register-of-officers.csv"}
    return Response(body, mimetype="text/csv", headers=headers)


@bp.get("/register/officers/print")
@login_required
def officers_print():
    rows = save(None, services.read_officers, current_user, "print").value
    return render_template("membership/officers_print.html", rows=rows, rules=_rules())


@bp.route("/register/officers/new", methods=["GET", "POST"])
@login_required
def appoint():
    """The first secretary is recorded by an admin; every later officer by the secretary."""
    require_registrar(current_user)
    form = AppointForm()
    if form.validate_on_submit() and save(
        form, services.appoint, current_user, form.email.data, form.office.data, form.name.data,
        form.postal_address.data, form.took_office_on.data, form.note.data,
    ):  # fmt: skip
        flash("The appointment is in the register of officers.", "success")
        return redirect(url_for("membership.appoint"))
    page = render_template("membership/appoint.html", form=form)
    return page, form_status(form)


@bp.post("/register/officers/<int:term_id>/end")
@login_required
def end_term(term_id: int):
    form = EndTermForm()
    if form.validate_on_submit() and save(
        form, services.end_term, current_user, term_id, form.left_on.data, form.note.data
    ):
        flash("The end of the term is in the register of officers.", "success")
        return redirect(url_for("membership.officers"))
    return _officers_page(AppointForm(formdata=None), form_status(form))
