"""Voting at general meetings: a member's ballot page (their votes, check-in, proxies),
the chair's page (quorum, the in-meeting window, closing, check-in at the door) and each
resolution's public list of ballots. Readers who may not see the meeting find nothing (404);
officers who are not members see turnout, never a ballot form."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields import SelectChoice

from coop.accounts.models import Member
from coop.ballots import queries as ballot_queries
from coop.ballots.models import BallotBox
from coop.ballots.record import format_tracker
from coop.ballots.services import destroy_spent_keys
from coop.extensions import db
from coop.limits import attempts, member_key, never, per_member
from coop.meetings import services as meetings
from coop.meetings.models import AgendaItem
from coop.meetings.voting import closing, proxies, queries, rules, services
from coop.meetings.voting.forms import ChairForm, NumberForm, ProxyForm, VoteForm
from coop.meetings.voting.models import OUTCOME_LABELS, ResolutionVote
from coop.membership.models import OfficeTerm
from coop.membership.permissions import current_membership
from coop.uktime import utcnow
from coop.validation import database_id
from coop.web import CsrfForm, form_status, save

bp = Blueprint("meeting_votes", __name__)


# Flood limits per member, every POST counted (a refused proxy number is a guess at the
# register like any other); the settings are in config.py.
def _limited(name: str):
    return attempts(
        lambda: current_app.config[name],
        key=member_key,
        refund_when=never,
        scope=name,
    )


# The rules' settings are checked as the app starts: a mistyped one stops it, named.
bp.record_once(lambda state: rules.VotingRules.from_config(state.app.config))


def _phase(meeting, now):
    return lambda vote: rules.phase(now, meeting.starts_at, vote.window_opened_at, vote.closed_at)


# A member's page ------------------------------------------------------------------------------


@bp.get("/meetings/<int:meeting_id>/vote")
@login_required
def ballot(meeting_id: int):
    return _ballot_page(meeting_id)


def _ballot_page(meeting_id: int, failed: tuple | None = None, form=None, status: int = 200):
    meeting = save(None, meetings.readable_meeting, current_user, meeting_id).value
    if queries.voting(meeting_id) is None:
        abort(404)
    now = utcnow()
    rules_now = services.settings()
    member = current_membership(current_user.id)
    chair = services.holds_chair_proxies(current_user, meeting_id)
    voting = queries.voting(meeting_id)
    page = render_template(
        "meetings/vote.html", meeting=meeting, now=now, member=member,
        resolutions=queries.resolutions(meeting_id), phase=_phase(meeting, now),
        mine=queries.ballots_of(current_user.id, meeting_id) if member else {},
        held=queries.held(meeting_id, current_user.id, chair) if member or chair else [],
        my_proxy=queries.proxy_of(meeting_id, current_user.id) if member else None,
        present=queries.checked_in(meeting_id, current_user.id),
        check_in_open=rules.check_in_open(now, meeting.starts_at, rules_now.check_in_opens,
                                          voting.closed_at),
        proxies_allowed=rules_now.proxies,
        proxy_deadline=rules.proxy_deadline(meeting.starts_at, rules_now.proxy_deadline),
        quorum=queries.quorum(meeting_id), outcomes=OUTCOME_LABELS, failed=failed,
        failed_form=form, vote_form=VoteForm(formdata=None),
        proxy_form=form if failed == ("proxy",) else ProxyForm(formdata=None),
        action_form=CsrfForm(), tracker=format_tracker,
        is_chair=services.is_chair(current_user, meeting_id),
    )  # fmt: skip
    return page, status


def _back(meeting_id: int, anchor: str | None = None):
    return redirect(url_for("meeting_votes.ballot", meeting_id=meeting_id, _anchor=anchor))


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/vote")
@login_required
@per_member("LIMIT_REACTIONS", every_attempt=True)
def cast(meeting_id: int, item_id: int):
    form = VoteForm()
    proxy_id = None
    if request.form.get("proxy"):
        proxy_id = database_id(request.form.get("proxy"))
        if proxy_id is None:
            abort(400)
    if form.validate_on_submit():
        saved = save(form, services.cast_vote, current_user, meeting_id, item_id,
                     form.choice.data, proxy_id)  # fmt: skip
        if saved:
            whose = "The vote for the member you represent" if proxy_id else "Your vote"
            flash(f"{whose} is recorded, encrypted. Its tracker is "
                  f"{format_tracker(saved.value.tracker)}.", "success")  # fmt: skip
            return _back(meeting_id, f"item-{item_id}")
    return _ballot_page(meeting_id, (item_id, proxy_id), form, form_status(form))


@bp.post("/meetings/<int:meeting_id>/check-in")
@login_required
@_limited("LIMIT_MEETING_CHECK_IN")
def check_in(meeting_id: int):
    if CsrfForm().validate_on_submit():
        save(None, services.check_in, current_user, meeting_id)
        flash("You are checked in: you count toward the quorum and can vote at the meeting.",
              "success")  # fmt: skip
    return _back(meeting_id)


@bp.post("/meetings/<int:meeting_id>/proxy")
@login_required
@_limited("LIMIT_MEETING_PROXIES")
def appoint(meeting_id: int):
    form = ProxyForm()
    if form.validate_on_submit() and save(
        form, proxies.appoint, current_user, meeting_id, form.holder.data == "chair",
        form.number.data,
    ):  # fmt: skip
        flash("Your proxy is appointed. You can still vote yourself: your own vote stands.",
              "success")  # fmt: skip
        return _back(meeting_id, "proxy")
    return _ballot_page(meeting_id, ("proxy",), form, form_status(form))


@bp.post("/meetings/<int:meeting_id>/proxy/revoke")
@login_required
@_limited("LIMIT_MEETING_PROXIES")
def revoke(meeting_id: int):
    if CsrfForm().validate_on_submit():
        save(None, proxies.revoke, current_user, meeting_id)
        flash("Your proxy is revoked; any vote they cast for you is taken out.", "info")
    return _back(meeting_id, "proxy")


# The chair's page ------------------------------------------------------------------------------


@bp.get("/meetings/<int:meeting_id>/chair")
@login_required
def chair(meeting_id: int):
    return _chair_page(meeting_id)


def _chair_form(form: ChairForm | None = None) -> ChairForm:
    form = form or ChairForm(formdata=None)
    officers = db.session.execute(
        select(Member.id, Member.display_name)
        .join(OfficeTerm, OfficeTerm.account_id == Member.id)
        .where(OfficeTerm.left_office_on.is_(None))
        .distinct()
        .order_by(Member.id)
    ).all()
    form.chair_id.choices = [SelectChoice("", "The secretary")] + [
        SelectChoice(str(account), name) for account, name in officers
    ]
    return form


def _chair_page(meeting_id: int, door_form=None, chair_form=None, status: int = 200):
    save(None, services.require_chair, current_user, meeting_id)
    meeting = meetings.readable_meeting(current_user, meeting_id)
    voting = services.voting_of(meeting_id)
    if chair_form is None:
        chair_form = _chair_form()
        chair_form.chair_id.data = str(voting.chair_id or "")
    now = utcnow()
    page = render_template(
        "meetings/chair.html", meeting=meeting, voting=voting, now=now,
        resolutions=queries.resolutions(meeting_id), phase=_phase(meeting, now),
        quorum=queries.quorum(meeting_id), attendance=queries.attendance(meeting_id),
        door_form=door_form or NumberForm(formdata=None), chair_form=chair_form,
        action_form=CsrfForm(), outcomes=OUTCOME_LABELS,
        secretary=meetings.is_secretary(current_user),
    )  # fmt: skip
    return page, status


def _to_chair(meeting_id: int):
    return redirect(url_for("meeting_votes.chair", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/chair/name")
@login_required
def name_chair(meeting_id: int):
    form = _chair_form(ChairForm())
    if form.validate_on_submit() and save(
        form, services.name_chair, current_user, meeting_id, database_id(form.chair_id.data)
    ):
        flash("The chair of the meeting is named.", "success")
        return _to_chair(meeting_id)
    return _chair_page(meeting_id, chair_form=form, status=form_status(form))


@bp.post("/meetings/<int:meeting_id>/door")
@login_required
@_limited("LIMIT_MEETING_DOOR")
def door(meeting_id: int):
    save(None, services.require_chair, current_user, meeting_id)
    form = NumberForm()
    if form.validate_on_submit():
        saved = save(form, services.check_in_at_door, current_user, meeting_id, form.number.data)
        if saved:
            flash(f"Member {form.number.data} is checked in."
                  if saved.value else f"Member {form.number.data} was checked in already.",
                  "success")  # fmt: skip
            return _to_chair(meeting_id)
    return _chair_page(meeting_id, door_form=form, status=form_status(form))


def _item_field() -> int | None:
    raw = request.form.get("item", "")
    if not raw:
        return None
    item_id = database_id(raw)
    if item_id is None:
        abort(400)
    return item_id


@bp.post("/meetings/<int:meeting_id>/window")
@login_required
def open_window(meeting_id: int):
    if CsrfForm().validate_on_submit():
        opened = save(None, services.open_window, current_user, meeting_id, _item_field()).value
        flash(f"Voting is open at the meeting on {opened} resolution(s).", "success")
    return _to_chair(meeting_id)


@bp.post("/meetings/<int:meeting_id>/close")
@login_required
def close(meeting_id: int):
    if CsrfForm().validate_on_submit():
        counted = save(None, closing.close_voting, current_user, meeting_id, _item_field()).value
        destroy_spent_keys()  # after the commit that counted with them
        flash(f"Voting is closed; {counted} resolution(s) counted.", "success")
    return _to_chair(meeting_id)


# Each resolution's list of ballots -------------------------------------------------------------


def _resolution(meeting_id: int, item_id: int) -> ResolutionVote:
    save(None, meetings.readable_meeting, current_user, meeting_id)
    vote = db.session.get(ResolutionVote, item_id)
    if vote is None or vote.meeting_id != meeting_id:
        abort(404)
    return vote


@bp.get("/meetings/<int:meeting_id>/items/<int:item_id>/ballots")
@login_required
def ballots(meeting_id: int, item_id: int):
    """The list of a resolution's ballots as a hash chain; after the count, how to recount."""
    vote = _resolution(meeting_id, item_id)
    found = ballot_queries.listing(
        vote.ballot_box_id, request.args.get("page", type=int), request.args.get("tracker", "")
    )
    body = render_template(
        "meetings/ballots.html", meeting=meetings.readable_meeting(current_user, meeting_id),
        vote=vote, item=db.session.get(AgendaItem, item_id),
        box=db.session.get(BallotBox, vote.ballot_box_id), **vars(found),
    )  # fmt: skip
    return body, found.status


@bp.get("/meetings/<int:meeting_id>/items/<int:item_id>/ballots.json")
@login_required
def record(meeting_id: int, item_id: int):
    """The resolution's public record, for `python -m coop.ballots.verify`."""
    vote = _resolution(meeting_id, item_id)
    box = db.session.get(BallotBox, vote.ballot_box_id)
    result = None
    if vote.closed_at is not None:
        result = {"for": vote.votes_for, "against": vote.votes_against,
                  "abstain": vote.votes_abstain}  # fmt: skip
    about = {"meeting": meeting_id, "resolution": item_id}
    chunks = ballot_queries.record_chunks(box, about, ["for", "against", "abstain"], result)
    response = Response(stream_with_context(chunks), mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="resolution-{item_id}-ballots.json"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
