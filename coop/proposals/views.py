from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop.accounts.permissions import require_contributor, require_organiser
from coop.comments.forms import CommentForm
from coop.comments.views import discussion_context, submit_comment
from coop.errors import DomainError
from coop.extensions import db, utcnow
from coop.ideas.services import get_idea
from coop.limits import per_member
from coop.proposals import queries, services
from coop.proposals.forms import ProposalForm, VoteForm
from coop.proposals.models import Proposal
from coop.uktime import from_uk_local
from coop.web import CsrfForm, form_status, members_form, show_error

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
    idea_id = request.args.get("idea", type=int)
    idea = get_idea(idea_id) if idea_id else None
    form = ProposalForm()
    if request.method == "GET" and idea is not None:
        form.question.data = f"Should we adopt the idea “{idea.title}”?"
    if form.validate_on_submit():
        try:
            proposal = services.create_proposal(
                current_user,
                form.question.data,
                form.body.data,
                from_uk_local(form.opens_at.data),
                from_uk_local(form.closes_at.data),
                form.rule.data,
                form.quorum_percent.data,
                form.visibility.data,
                idea_id=idea.id if idea else None,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash("The proposal is published.", "success")
            return redirect(proposal_url(proposal))
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
    if proposal.closed_at is None and proposal.withdrawn_at is None and now >= proposal.closes_at:
        services.close_proposal(proposal.id, now)  # never show a vote as open after its time
    mine = services.my_vote(current_user, proposal.id)
    if mine and not vote_form.choice.data:
        vote_form.choice.data = mine
    page = render_template(
        "proposals/show.html",
        proposal=proposal,
        now=now,
        is_open=proposal.is_open_at(now),
        my_vote=mine,
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
    if not form.validate_on_submit():
        proposal = services.visible_proposal(current_user, proposal_id, with_idea=False)
        return _proposal_page(proposal, CommentForm(), form, 400)
    slug = services.cast_vote(current_user, proposal_id, form.choice.data)
    db.session.commit()
    flash("Your vote is recorded. You can change it until voting closes.", "success")
    return redirect(url_for("proposals.show", proposal_id=proposal_id, slug=slug, _anchor="vote"))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int):
    proposal = services.withdraw_proposal(current_user, proposal_id, request.form.get("reason"))
    db.session.commit()
    flash("The proposal is withdrawn and its votes discarded.", "info")
    return redirect(proposal_url(proposal))


@bp.post("/proposals/<int:proposal_id>/comments")
@login_required
@per_member("LIMIT_COMMENTS", "LIMIT_COMMENTS_NEWCOMER")
def comment(proposal_id: int):
    proposal = services.visible_proposal(current_user, proposal_id)
    form, comment = submit_comment(proposal)
    if comment is None:
        return _proposal_page(proposal, form, VoteForm(), 400)
    return redirect(proposal_url(proposal, _anchor=f"comment-{comment.id}"))
