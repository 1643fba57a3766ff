from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop.accounts.permissions import require_contributor, require_organiser
from coop.ballots import queries as ballot_queries
from coop.ballots.record import format_tracker
from coop.ballots.services import destroy_spent_keys
from coop.comments.discussion import comment_url, discussion_context, submit_comment
from coop.comments.forms import CommentForm
from coop.ideas.services import get_idea
from coop.limits import per_member
from coop.proposals import queries, services
from coop.proposals.forms import ProposalForm, VoteForm
from coop.proposals.models import Proposal
from coop.uktime import from_uk_local, utcnow
from coop.validation import database_id
from coop.web import CsrfForm, form_status, members_form, save

bp = Blueprint("proposals", __name__)


def proposal_url(proposal: Proposal, **values) -> str:
    return url_for("proposals.show", proposal_id=proposal.id, slug=proposal.slug, **values)


@bp.get("/proposals")
def index():
    return render_template(
        "proposals/index.html", lists=queries.proposal_lists(current_user), now=utcnow()
    )


@bp.route("/proposals/new", methods=["GET", "POST"])
@login_required
def new():
    require_organiser(current_user)
    idea_id = database_id(request.args.get("idea"))
    idea = get_idea(idea_id) if idea_id else None
    form = ProposalForm()
    if request.method == "GET" and idea is not None:
        form.question.data = f"Should we adopt the idea “{idea.title}”?"
    if form.validate_on_submit():
        saved = save(
            form,
            services.create_proposal,
            current_user,
            form.question.data,
            form.body.data,
            from_uk_local(form.opens_at.data),
            from_uk_local(form.closes_at.data),
            form.rule.data,
            form.quorum_percent.data,
            form.visibility.data,
            idea_id=idea.id if idea else None,
            electorate=form.electorate.data,
        )
        if saved:
            flash("The proposal is published.", "success")
            return redirect(proposal_url(saved.value))
    page = render_template("proposals/form.html", form=form, idea=idea)
    return page, form_status(form)


@bp.get("/proposals/<int:proposal_id>")
@bp.get("/proposals/<int:proposal_id>/<slug>")
def show(proposal_id: int, slug: str | None = None):
    proposal = services.visible_proposal(current_user, proposal_id)
    if slug != proposal.slug:
        return redirect(proposal_url(proposal), 301)
    return _proposal_page(proposal, members_form(CommentForm), members_form(VoteForm))


def _proposal_page(proposal: Proposal, comment_form, vote_form, status: int = 200):
    now = utcnow()
    services.count_due_on_read(now, proposal)  # never shown open after its time
    page = render_template(
        "proposals/show.html",
        proposal=proposal,
        now=now,
        is_open=proposal.is_open_at(now),
        my_tracker=services.my_ballot(current_user, proposal),
        not_a_member=services.not_in_the_electorate(current_user, proposal),
        vote_form=vote_form,
        **discussion_context(proposal),
        comment_form=comment_form,
        action_form=members_form(CsrfForm),
    )
    return page, status


@bp.post("/proposals/<int:proposal_id>/vote")
@login_required
@per_member("LIMIT_REACTIONS", every_attempt=True)
def vote(proposal_id: int):
    require_contributor(current_user)
    form = VoteForm()
    if form.validate_on_submit():
        saved = save(form, services.cast_vote, current_user, proposal_id, form.choice.data)
        if saved:
            cast = saved.value
            flash(
                "Your vote is recorded, encrypted. Its tracker is "
                f"{format_tracker(cast.tracker)}. You can change your vote until voting closes.",
                "success",
            )
            return redirect(
                url_for("proposals.show", proposal_id=proposal_id, slug=cast.slug, _anchor="vote")
            )
    proposal = services.visible_proposal(current_user, proposal_id, with_idea=False)
    return _proposal_page(proposal, CommentForm(), form, form_status(form))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int):
    reason = request.form.get("reason")
    proposal = save(None, services.withdraw_proposal, current_user, proposal_id, reason).value
    destroy_spent_keys()  # the withdrawn vote's key, once its discarding is committed
    flash("The proposal is withdrawn and its votes discarded.", "info")
    return redirect(proposal_url(proposal))


@bp.post("/proposals/<int:proposal_id>/comments")
@login_required
@per_member("LIMIT_COMMENTS", "LIMIT_COMMENTS_NEWCOMER")
def comment(proposal_id: int):
    proposal = services.visible_proposal(current_user, proposal_id)
    form, comment = submit_comment(proposal)
    if comment is None:
        return _proposal_page(proposal, form, VoteForm(), form_status(form))
    return redirect(comment_url(comment, proposal))


@bp.get("/proposals/<int:proposal_id>/ballots")
def ballots(proposal_id: int):
    """The public list of a vote's ballots, as a hash chain; after closing, how to recount."""
    proposal = services.visible_proposal(current_user, proposal_id, with_idea=False)
    now = utcnow()
    services.count_due_on_read(now, proposal)
    found = ballot_queries.listing(
        proposal.ballot_box_id, request.args.get("page", type=int), request.args.get("tracker", "")
    )
    body = render_template(
        "proposals/ballots.html",
        proposal=proposal,
        box=proposal.ballot_box,
        now=now,
        **vars(found),
    )
    return body, found.status
