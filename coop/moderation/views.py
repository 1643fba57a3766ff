from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop.accounts.permissions import require_organiser
from coop.limits import per_member
from coop.moderation import appeals, queries, services
from coop.moderation.forms import ActionForm, AppealForm, DecisionForm, ReportForm
from coop.moderation.services import ACTIONS
from coop.web import form_status, save

bp = Blueprint("moderation", __name__)
ACTION_LABELS = {
    "approve": "Approve", "hide": "Hide", "restore": "Restore", "decline": "Decline the idea",
    "lock": "Lock comments", "unlock": "Unlock comments", "suspend": "Suspend the member",
    "ban": "Ban the member", "lift": "Lift a suspension or ban",
}  # fmt: skip


def _target_type(target_type: str) -> str:
    if target_type not in ACTIONS:
        abort(404)
    return target_type


@bp.get("/moderation")
@login_required
def queue():
    return render_template(
        "moderation/queue.html",
        items=queries.queue(current_user),
        appeals=queries.open_appeals(current_user),
        decision_form=DecisionForm(),
    )


@bp.route("/moderation/<target_type>/<int:target_id>", methods=["GET", "POST"])
@login_required
def item(target_type: str, target_id: int):
    require_organiser(current_user)
    target_type = _target_type(target_type)
    target = services.load_target(target_type, target_id)
    form = ActionForm()
    form.action.choices = [(a, ACTION_LABELS[a]) for a in sorted(ACTIONS[target_type])]
    if form.validate_on_submit():
        saved = save(form, services.act, current_user, form.action.data, target_type, target_id,
                     form.reason.data, form.category.data or None, form.days.data)  # fmt: skip
        if saved:
            flash(f"Done: {ACTION_LABELS[form.action.data].lower()}.", "success")
            return redirect(url_for("moderation.queue"))
    page = render_template(
        "moderation/item.html",
        target_type=target_type,
        target=target,
        reports=queries.reports_on(target_type, target_id),
        history=queries.actions_on(target_type, target_id),
        form=form,
    )
    return page, form_status(form)


@bp.route("/report/<any(idea, comment):target_type>/<int:target_id>", methods=["GET", "POST"])
@login_required
@per_member("LIMIT_REPORTS")
def report(target_type: str, target_id: int):
    services.reportable(current_user, target_type, target_id)
    form = ReportForm()
    if form.validate_on_submit():
        saved = save(form, services.report, current_user, target_type, target_id,
                     form.reason.data, form.note.data)  # fmt: skip
        if saved:
            flash("Thank you. Moderators will look at your report.", "success")
            return redirect(url_for("site.home"))
    page = render_template("moderation/report.html", form=form, target_type=target_type)
    return page, form_status(form)


@bp.get("/account/moderation")
@login_required
def mine():
    return render_template("moderation/mine.html", actions=queries.actions_concerning(current_user))


@bp.route("/appeals/<int:action_id>", methods=["GET", "POST"])
@login_required
def appeal(action_id: int):
    action = appeals.check_can_appeal(current_user, action_id)
    form = AppealForm()
    if form.validate_on_submit() and save(
        form, appeals.appeal, current_user, action_id, form.statement.data
    ):
        flash("Your appeal is sent. Another organiser will decide it.", "success")
        return redirect(url_for("moderation.mine"))
    page = render_template("moderation/appeal.html", form=form, action=action)
    return page, form_status(form)


@bp.post("/moderation/appeals/<int:appeal_id>")
@login_required
def decide(appeal_id: int):
    form = DecisionForm()
    if not form.validate_on_submit():
        require_organiser(current_user)
        flash("Choose a decision and give a reason.", "error")
        return redirect(url_for("moderation.queue"))
    save(None, appeals.decide, current_user, appeal_id, form.outcome.data, form.reason.data)
    flash("The appeal is decided and the member told.", "success")
    return redirect(url_for("moderation.queue"))
