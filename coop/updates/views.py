"""Organisers' updates: the public list and pages, and the organisers' forms."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop.accounts.permissions import require_organiser
from coop.read_only import read_only
from coop.updates import services
from coop.updates.forms import DeleteUpdateForm, UpdateForm
from coop.updates.models import Update
from coop.web import form_status, members_form, page_number, save

bp = Blueprint("updates", __name__)


def update_url(update: Update, **values) -> str:
    return url_for("updates.show", update_id=update.id, slug=update.slug, **values)


@bp.get("/updates")
@read_only
def index():
    return render_template("updates/index.html", updates=services.list_updates(page_number()))


@bp.get("/updates/<int:update_id>")
@bp.get("/updates/<int:update_id>-<slug>")
@read_only
def show(update_id: int, slug: str | None = None):
    update = services.get_update(update_id)
    if slug != update.slug:
        return redirect(update_url(update), 301)
    return _update_page(update, members_form(DeleteUpdateForm))


def _update_page(update: Update, delete_form: DeleteUpdateForm, status: int = 200):
    page = render_template("updates/show.html", update=update, delete_form=delete_form)
    return page, status


@bp.route("/organise/updates/new", methods=["GET", "POST"])
@login_required
def new():
    require_organiser(current_user)
    form = UpdateForm()
    if form.validate_on_submit():
        saved = save(form, services.publish_update, current_user, *_update_fields(form))
        if saved:
            flash("The update is published.", "success")
            return redirect(update_url(saved.value))
    page = render_template("updates/form.html", form=form, update=None)
    return page, form_status(form)


def _update_fields(form: UpdateForm) -> tuple:
    return form.title.data, form.body.data


@bp.route("/organise/updates/<int:update_id>/edit", methods=["GET", "POST"])
@login_required
def edit(update_id: int):
    require_organiser(current_user)
    update = services.get_update(update_id)
    form = UpdateForm(obj=update)
    if form.validate_on_submit() and save(
        form, services.edit_update, current_user, update.id, *_update_fields(form)
    ):
        flash("Your changes are saved.", "success")
        return redirect(update_url(update))
    page = render_template("updates/form.html", form=form, update=update)
    return page, form_status(form)


@bp.post("/organise/updates/<int:update_id>/delete")
@login_required
def delete(update_id: int):
    require_organiser(current_user)
    update = services.get_update(update_id)
    form = DeleteUpdateForm()
    title = update.title  # the row is gone after the commit
    if form.validate_on_submit() and save(
        form, services.delete_update, current_user, update.id, form.reason.data
    ):
        flash(f"The update “{title}” is deleted.", "info")
        return redirect(url_for("updates.index"))
    return _update_page(update, form, form_status(form))
