from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coop.accounts.permissions import require_contributor
from coop.comments.discussion import comment_url, discussion_context, submit_comment
from coop.comments.forms import CommentForm
from coop.fragments import fragment_key, kept_fragment
from coop.ideas import queries, services
from coop.ideas.forms import IdeaForm
from coop.ideas.models import Idea, Stage
from coop.limits import per_member
from coop.moderation.rules import can_see
from coop.proposals.services import proposal_for_idea
from coop.read_only import read_only
from coop.web import CsrfForm, form_status, members_form, page_number, save

bp = Blueprint("ideas", __name__)


def idea_url(idea: Idea, **values) -> str:
    return url_for("ideas.show", idea_id=idea.id, slug=idea.slug, **values)


@bp.get("/ideas")
@read_only
def index():
    filters = queries.IdeaFilters.from_args(request.args)
    page = page_number()
    # The filters and the list are the same for every member: kept, they cost no query.
    key = fragment_key("ideas.list", current_user.is_authenticated)
    kept = kept_fragment(key)
    return render_template(
        "ideas/index.html",
        kept=kept,
        fragment=key,
        ideas=None if kept else queries.list_ideas(filters, page),
        filters=filters,
        topics=None if kept else services.active_topics(),
        sorts=queries.SORTS,
        stages=list(Stage),
    )


@bp.route("/ideas/new", methods=["GET", "POST"])
@login_required
@per_member("LIMIT_IDEAS", "LIMIT_IDEAS_NEWCOMER")
def new():
    require_contributor(current_user)
    form = IdeaForm()
    form.set_topics(services.active_topics())
    if form.validate_on_submit():
        saved = save(form, services.submit_idea, current_user, *_idea_fields(form))
        if saved:
            flash(
                "Thank you: your idea is published."
                if saved.value.is_published
                else "Thank you. As a newcomer, your first ideas and comments are checked by "
                "a moderator before they appear; we will tell you when it is done.",
                "success",
            )
            return redirect(idea_url(saved.value))
    return render_template("ideas/form.html", form=form, idea=None), form_status(form)


def _idea_fields(form: IdeaForm) -> tuple:
    return form.title.data, form.body.data, form.topic_id.data


@bp.get("/ideas/<int:idea_id>")
@bp.get("/ideas/<int:idea_id>/<slug>")
@read_only
def show(idea_id: int, slug: str | None = None):
    idea = services.visible_idea(current_user, idea_id)
    if slug != idea.slug and can_see(current_user, idea):  # the slug would tell a hidden title
        return redirect(idea_url(idea), 301)
    return _idea_page(idea, members_form(CommentForm))


def _idea_page(idea: Idea, comment_form: CommentForm, status: int = 200):
    proposal = proposal_for_idea(current_user, idea)
    page = render_template(
        "ideas/show.html",
        idea=idea,
        proposal=proposal,
        my_reaction=services.my_reaction(current_user, idea),
        **discussion_context(idea),
        can_see_content=can_see(current_user, idea),
        comment_form=comment_form,
        action_form=members_form(CsrfForm),
    )
    return page, status


@bp.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@login_required
def edit(idea_id: int):
    idea = services.get_idea(idea_id)
    services.check_can_edit(current_user, idea)
    form = IdeaForm(obj=idea)
    form.set_topics(services.active_topics())
    if form.validate_on_submit() and save(
        form, services.edit_idea, current_user, idea.id, *_idea_fields(form)
    ):
        flash("Your changes are saved.", "success")
        return redirect(idea_url(idea))
    return render_template("ideas/form.html", form=form, idea=idea), form_status(form)


@bp.post("/ideas/<int:idea_id>/withdraw")
@login_required
def withdraw(idea_id: int):
    idea = save(None, services.withdraw_idea, current_user, idea_id).value
    flash("Your idea is withdrawn. It stays readable, marked as withdrawn.", "info")
    return redirect(idea_url(idea))


@bp.post("/ideas/<int:idea_id>/react")
@login_required
@per_member("LIMIT_REACTIONS", every_attempt=True)
def react(idea_id: int):
    reaction = request.form.get("reaction", "")
    reacted = save(None, services.react, current_user, idea_id, reaction).value
    messages = {1: "You support this idea.", -1: "You oppose this idea.", 0: "Reaction removed."}
    flash(messages[reacted.value], "success")
    back = url_for("ideas.show", idea_id=idea_id, slug=reacted.slug, _anchor="reactions")
    return redirect(back)


@bp.post("/ideas/<int:idea_id>/comments")
@login_required
@per_member("LIMIT_COMMENTS", "LIMIT_COMMENTS_NEWCOMER")
def comment(idea_id: int):
    idea = services.visible_idea(current_user, idea_id)
    form, comment = submit_comment(idea)
    if comment is None:
        return _idea_page(idea, form, form_status(form))
    return redirect(comment_url(comment))
