"""An election's vote in the browser: the secretary's set-up, the ballot paper (no
JavaScript: one select per preference), the count, the results with every round, their
CSV, the anonymised ballot set and, for a scrutineer's ballot, the electorate and the
certified result."""

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from coop.ballots.record import format_tracker
from coop.elections import queries as election_queries
from coop.elections import services as elections
from coop.elections.models import METHOD_LABELS
from coop.elections.stv import rounds_csv
from coop.elections.voting import counting, scrutineer, services
from coop.elections.voting.chart import rounds_chart
from coop.elections.voting.forms import CertifyForm, VotingForm, ballot_form, choices_of
from coop.elections.voting.models import Runner, VoteState
from coop.errors import NotFound
from coop.markdown import render_markdown
from coop.meetings import services as meetings
from coop.membership.permissions import is_coop_member, require_secretary
from coop.uktime import to_uk, utcnow
from coop.web import CsrfForm, form_status, save

bp = Blueprint("election_voting", __name__)


def catch_up(election_id: int) -> None:
    """Where no scheduler runs (COUNT_DUE_VOTES_ON_READ, as for proposals), a read fixes
    the candidates of a closed nomination and counts a vote past its close."""
    if not current_app.config.get("COUNT_DUE_VOTES_ON_READ"):
        return
    save(None, services.fix_candidates_on_read, election_id)
    if election_id in counting.due_vote_ids() and counting.small_enough_to_count_on_read(
        election_id
    ):
        counting.close_vote(election_id)


def _election(election_id: int):
    election = save(None, elections.readable_election, current_user, election_id).value
    catch_up(election_id)
    return election


# The secretary's set-up ------------------------------------------------------------------------


@bp.route("/elections/<int:election_id>/voting", methods=["GET", "POST"])
@login_required
def setup(election_id: int):
    require_secretary(current_user)
    election = _election(election_id)
    vote = services.vote_of(election_id)
    form = VotingForm()
    if request.method == "GET":
        opens, closes = (
            (vote.voting_opens_at, vote.voting_closes_at) if vote
            else services.suggested_window(election)
        )  # fmt: skip
        form.voting_opens_at.data = to_uk(opens).replace(tzinfo=None)
        form.voting_closes_at.data = to_uk(closes).replace(tzinfo=None)
        form.runner.data = vote.runner if vote else Runner.PLATFORM.value
    if form.validate_on_submit() and save(
        form, services.set_up_vote, current_user, election_id, form.voting_opens_at.data,
        form.voting_closes_at.data, form.runner.data,
    ):  # fmt: skip
        flash("The vote is set up.", "success")
        return redirect(url_for("elections.manage", election_id=election_id))
    item, meeting = election_queries.item_and_meeting(election)
    page = render_template(
        "elections/voting/setup.html", form=form, election=election, item=item,
        meeting=meeting, vote=vote, when=elections.when, days=services.default_days(),
    )  # fmt: skip
    return page, form_status(form)


@bp.post("/elections/<int:election_id>/count")
@login_required
def count(election_id: int):
    require_secretary(current_user)
    if CsrfForm().validate_on_submit():
        save(None, counting.count_now, current_user, election_id)
        flash("The election is counted.", "success")
    return redirect(url_for("election_voting.results", election_id=election_id))


# The ballot paper --------------------------------------------------------------------------------


@bp.route("/elections/<int:election_id>/ballot", methods=["GET", "POST"])
@login_required
def ballot(election_id: int):
    election = _election(election_id)
    vote = services.vote_of(election_id)
    state = services.window_state(vote)
    candidates = services.candidates_of(vote) if vote else []
    form = ballot_form(candidates, election.method, election.seats)
    if request.method == "POST":
        if not is_coop_member(current_user):
            save(None, services.cast_ballot, current_user, election_id, [])  # says why: 403
        if form.validate_on_submit():
            choices = choices_of(form, election.method, len(candidates))
            saved = save(form, services.cast_ballot, current_user, election_id, choices)
            if saved:
                flash("Your ballot is recorded. Keep your tracker to find it on the list.",
                      "success")  # fmt: skip
                return redirect(url_for("election_voting.ballot", election_id=election_id))
    item, meeting = election_queries.item_and_meeting(election)
    tracker = services.my_tracker(current_user, vote)
    page = render_template(
        "elections/voting/ballot.html", election=election, item=item, meeting=meeting,
        vote=vote, state=state, candidates=candidates, form=form, when=elections.when,
        tracker=format_tracker(tracker) if tracker else None, member=is_coop_member(current_user),
        statements=_statements(election, candidates), render=render_markdown,
        methods=METHOD_LABELS, fields=[f for f in form if f.name.startswith("preference_")],
    )  # fmt: skip
    return page, form_status(form)


def _statements(election, candidates) -> dict:
    rows = {r.nomination.id: r.nomination for r in election_queries.nominations(election)}
    return {
        c.id: rows[c.nomination_id].statement
        for c in candidates
        if rows[c.nomination_id].statement and not rows[c.nomination_id].statement_rejected_at
    }


# Results ---------------------------------------------------------------------------------------


def _counted(election_id: int):
    election = _election(election_id)
    vote = services.vote_of(election_id)
    if vote is None or vote.state not in (VoteState.COUNTED, VoteState.UNOPPOSED):
        raise NotFound("There is no result yet.")
    return election, vote


@bp.get("/elections/<int:election_id>/results")
@login_required
def results(election_id: int):
    election = _election(election_id)
    vote = services.vote_of(election_id)
    item, meeting = election_queries.item_and_meeting(election)
    tally = counting.current_tally(vote, election) if vote else None
    return render_template(
        "elections/voting/results.html", election=election, item=item, meeting=meeting,
        vote=vote, state=services.window_state(vote), tally=tally,
        candidates=services.candidates_of(vote) if vote else [], when=elections.when,
        chart=rounds_chart(tally.stv) if tally and tally.stv else None, methods=METHOD_LABELS,
        secretary=meetings.is_secretary(current_user), action_form=CsrfForm(), now=utcnow(),
    )  # fmt: skip


@bp.get("/elections/<int:election_id>/results.csv")
@login_required
def results_csv(election_id: int):
    election, vote = _counted(election_id)
    tally = counting.current_tally(vote, election)
    if tally is None or tally.stv is None:
        raise NotFound("This count has no rounds.")
    return _download(rounds_csv(tally.stv), "text/csv", f"election-{election_id}-rounds.csv")


@bp.get("/elections/<int:election_id>/ballots.json")
@login_required
def ballots_json(election_id: int):
    election, vote = _counted(election_id)
    if vote.runner != Runner.PLATFORM or vote.ballot_box_id is None:
        raise NotFound("This election had no ballot on the platform.")
    body = json.dumps(counting.ballot_set(vote, election), indent=1)
    return _download(body, "application/json", f"election-{election_id}-ballots.json")


def _download(body: str, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# An independent scrutineer ---------------------------------------------------------------------


@bp.get("/elections/<int:election_id>/electorate.csv")
@login_required
def electorate(election_id: int):
    body = save(None, scrutineer.electorate_csv, current_user, election_id).value
    return _download(body, "text/csv", f"election-{election_id}-electorate.csv")


@bp.route("/elections/<int:election_id>/certify", methods=["GET", "POST"])
@login_required
def certify(election_id: int):
    require_secretary(current_user)
    election = _election(election_id)
    vote = services.vote_of(election_id)
    if vote is None or vote.runner != Runner.SCRUTINEER:
        raise NotFound("This election's ballot is not run by a scrutineer.")
    candidates = services.candidates_of(vote)
    form = CertifyForm()
    form.elected.choices = [SelectChoice(c.id, c.name) for c in candidates]
    if form.validate_on_submit() and save(
        form, scrutineer.certify, current_user, election_id, form.elected.data or [],
        form.scrutineer_name.data, request.files.get("report"),
    ):  # fmt: skip
        flash("The scrutineer's certified result is published.", "success")
        return redirect(url_for("election_voting.results", election_id=election_id))
    item, meeting = election_queries.item_and_meeting(election)
    page = render_template(
        "elections/voting/certify.html", form=form, election=election, item=item,
        meeting=meeting, vote=vote, when=elections.when,
    )  # fmt: skip
    return page, form_status(form)


@bp.get("/elections/<int:election_id>/report.pdf")
@login_required
def report(election_id: int):
    path = save(None, scrutineer.report_path, current_user, election_id).value
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True,
        download_name=f"election-{election_id}-scrutineer-report.pdf", max_age=0,
        conditional=False, etag=False,
    )  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response
