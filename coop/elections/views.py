"""Board elections' nominations: the election's page for members of the co-operative and
officers (anyone else finds nothing: 404), where members stand, nominate, second and
withdraw; the secretary's pages to set up an election, change it before nominations open,
close nominations and take down a statement that breaks the rules."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop.elections import queries, rules, services
from coop.elections.forms import ElectionForm, NominateForm, RejectForm, StandForm
from coop.elections.models import METHOD_LABELS
from coop.markdown import render_markdown
from coop.meetings import services as meetings
from coop.membership.permissions import current_membership, require_secretary
from coop.uktime import to_uk
from coop.validation import database_id
from coop.web import CsrfForm, form_status, save

bp = Blueprint("elections", __name__)


def _stand_form(form: StandForm | None = None) -> StandForm:
    form = form or StandForm(formdata=None)
    return form.label_declarations(rules.declarations(services.settings().max_terms))


# Members' pages ------------------------------------------------------------------------------


@bp.get("/elections")
@login_required
def index():
    found = save(None, services.list_elections, current_user).value
    secretary = meetings.is_secretary(current_user)
    return render_template(
        "elections/index.html", elections=found, secretary=secretary,
        items=queries.items_without_election() if secretary else [], when=services.when,
    )  # fmt: skip


@bp.get("/elections/<int:election_id>")
@login_required
def show(election_id: int):
    return _page(election_id)


def _page(election_id: int, stand_form=None, nominate_form=None, status: int = 200):
    election = save(None, services.readable_election, current_user, election_id).value
    item, meeting = queries.item_and_meeting(election)
    rows = queries.nominations(election)
    own = current_membership(current_user.id)
    mine = next((r for r in rows if r.nomination.candidate_id == current_user.id), None)
    page = render_template(
        "elections/show.html", election=election, item=item, meeting=meeting,
        window=services.window(election), windows=rules.Window, when=services.when,
        methods=METHOD_LABELS, rows=rows, mine=mine, member=own is not None,
        own_id=own.id if own else None, seconded=queries.seconded_by(election.id, own and own.id),
        stand_form=_stand_form(stand_form), nominate_form=nominate_form or NominateForm(
            formdata=None), action_form=CsrfForm(), render=render_markdown,
        secretary=meetings.is_secretary(current_user),
    )  # fmt: skip
    return page, status


@bp.post("/elections/<int:election_id>/stand")
@login_required
def stand(election_id: int):
    form = _stand_form(StandForm())
    declared = {name: bool(form[name].data) for name in rules.DECLARATION_FIELDS}
    if form.validate_on_submit() and save(
        form, services.stand, current_user, election_id, declared, form.statement.data
    ):
        flash("You are standing for election. Members can now second your nomination.", "success")
        return redirect(url_for("elections.show", election_id=election_id))
    return _page(election_id, stand_form=form, status=form_status(form))


@bp.post("/elections/<int:election_id>/nominate")
@login_required
def nominate(election_id: int):
    form = NominateForm()
    if form.validate_on_submit():
        number = database_id(form.membership_number.data)
        if save(form, services.nominate, current_user, election_id, number):
            flash("Your nomination is made. The member is asked to accept it.", "success")
            return redirect(url_for("elections.show", election_id=election_id))
    return _page(election_id, nominate_form=form, status=form_status(form))


@bp.post("/elections/<int:election_id>/withdraw")
@login_required
def withdraw(election_id: int):
    if CsrfForm().validate_on_submit():
        save(None, services.withdraw, current_user, election_id)
        flash("You have withdrawn from this election.", "info")
    return redirect(url_for("elections.show", election_id=election_id))


@bp.post("/elections/<int:election_id>/nominations/<int:nomination_id>/second")
@login_required
def second(election_id: int, nomination_id: int):
    if CsrfForm().validate_on_submit():
        save(None, services.second, current_user, election_id, nomination_id)
        flash("You have seconded the nomination.", "success")
    return redirect(url_for("elections.show", election_id=election_id))


# The secretary's pages -------------------------------------------------------------------------


def _election_form(form: ElectionForm | None = None) -> ElectionForm:
    return (form or ElectionForm()).offer(services.settings().methods)


@bp.route("/elections/new/<int:item_id>", methods=["GET", "POST"])
@login_required
def new(item_id: int):
    item, meeting = save(None, services.election_item, current_user, item_id).value
    form = _election_form()
    if request.method == "GET":
        defaults = services.settings()
        form.seconders_required.data = defaults.seconders
        form.statement_word_limit.data = defaults.statement_words
        form.seats.data = 1
    if form.validate_on_submit():
        saved = save(
            form, services.create_election, current_user, item_id, form.seats.data,
            form.method.data, form.nominations_open_at.data, form.nominations_close_at.data,
            form.seconders_required.data, form.statement_word_limit.data,
        )  # fmt: skip
        if saved:
            flash("The election is set up; its lot seed is published on its page.", "success")
            return redirect(url_for("elections.manage", election_id=saved.value.id))
    page = render_template(
        "elections/form.html", form=form, item=item, meeting=meeting, election=None,
        when=services.when,
    )  # fmt: skip
    return page, form_status(form)


@bp.route("/elections/<int:election_id>/edit", methods=["GET", "POST"])
@login_required
def edit(election_id: int):
    require_secretary(current_user)
    election = save(None, services.readable_election, current_user, election_id).value
    item, meeting = queries.item_and_meeting(election)
    form = _election_form(ElectionForm(obj=None if request.method == "POST" else election))
    if request.method == "GET":
        form.nominations_open_at.data = to_uk(election.nominations_open_at).replace(tzinfo=None)
        form.nominations_close_at.data = to_uk(election.nominations_close_at).replace(tzinfo=None)
    if form.validate_on_submit() and save(
        form, services.update_election, current_user, election_id, form.seats.data,
        form.method.data, form.nominations_open_at.data, form.nominations_close_at.data,
        form.seconders_required.data, form.statement_word_limit.data,
    ):  # fmt: skip
        flash("The election's details are saved.", "success")
        return redirect(url_for("elections.manage", election_id=election_id))
    page = render_template(
        "elections/form.html", form=form, item=item, meeting=meeting, election=election,
        when=services.when,
    )  # fmt: skip
    return page, form_status(form)


@bp.get("/elections/<int:election_id>/manage")
@login_required
def manage(election_id: int):
    return _manage_page(election_id)


def _manage_page(election_id: int, reject_form=None, rejecting: int | None = None, status=200):
    require_secretary(current_user)
    election = save(None, services.readable_election, current_user, election_id).value
    item, meeting = queries.item_and_meeting(election)
    page = render_template(
        "elections/manage.html", election=election, item=item, meeting=meeting,
        rows=queries.nominations(election), window=services.window(election),
        windows=rules.Window, when=services.when, methods=METHOD_LABELS,
        action_form=CsrfForm(), reject_form=reject_form or RejectForm(formdata=None),
        rejecting=rejecting, render=render_markdown,
    )  # fmt: skip
    return page, status


@bp.post("/elections/<int:election_id>/close")
@login_required
def close(election_id: int):
    require_secretary(current_user)
    if CsrfForm().validate_on_submit():
        save(None, services.close_nominations, current_user, election_id)
        flash("Nominations are closed.", "info")
    return redirect(url_for("elections.manage", election_id=election_id))


@bp.post("/elections/<int:election_id>/nominations/<int:nomination_id>/reject")
@login_required
def reject(election_id: int, nomination_id: int):
    require_secretary(current_user)
    form = RejectForm()
    if form.validate_on_submit() and save(
        form, services.reject_statement, current_user, election_id, nomination_id,
        form.reason.data,
    ):  # fmt: skip
        flash("The statement is taken down and the candidate told why.", "info")
        return redirect(url_for("elections.manage", election_id=election_id))
    return _manage_page(election_id, form, nomination_id, form_status(form))
