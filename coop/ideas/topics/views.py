"""Organisers manage the list of topics ideas are filed under."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from coop.accounts.permissions import require_organiser
from coop.extensions import db
from coop.ideas import services
from coop.ideas.forms import TopicForm
from coop.ideas.models import Topic
from coop.web import CsrfForm, form_status, save

bp = Blueprint("topics", __name__, url_prefix="/organise/topics")


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    require_organiser(current_user)
    form = TopicForm()
    if form.validate_on_submit():
        saved = save(
            form, services.create_topic, current_user, form.name.data, form.description.data
        )
        if saved:
            flash(f"Topic “{saved.value.name}” added.", "success")
            return redirect(url_for("topics.index"))
    all_topics = db.session.scalars(select(Topic).order_by(Topic.archived, Topic.name)).all()
    page = render_template(
        "ideas/topics.html", form=form, topics=all_topics, action_form=CsrfForm()
    )
    return page, form_status(form)


@bp.post("/<int:topic_id>/<any(archive, restore):action>")
@login_required
def archive(topic_id: int, action: str):
    topic = save(
        None, services.set_topic_archived, current_user, topic_id, action == "archive"
    ).value
    flash(f"Topic “{topic.name}” {'archived' if topic.archived else 'restored'}.", "success")
    return redirect(url_for("topics.index"))
