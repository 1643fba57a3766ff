"""Organisers' updates: the public list and pages, and the organisers' forms."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop.accounts.permissions import require_organiser
from coop.errors import DomainError
from coop.extensions import db
from coop.read_only import read_only
from coop.updates import services
from coop.updates.forms import DeleteUpdateForm, UpdateForm
from coop.updates.models import Update
from coop.web import form_status, members_form, page_number, show_error

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
    status = None
    if form.validate_on_submit():
        try:
            update = services.publish_update(current_user, form.title.data, form.body.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status
        else:
            flash("The update is published.", "success")
            return redirect(update_url(update))
    page = render_template("updates/form.html", form=form, update=None)
    return page, status or form_status(form)


@bp.route("/organise/updates/<int:update_id>/edit", methods=["GET", "POST"])
@login_required
def edit(update_id: int):
    require_organiser(current_user)
    update = services.get_update(update_id)
    form = UpdateForm(obj=update)
    status = None
    if form.validate_on_submit():
        try:
            services.edit_update(current_user, update.id, form.title.data, form.body.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status
        else:
            flash("Your changes are saved.", "success")
            return redirect(update_url(update))
    page = render_template("updates/form.html", form=form, update=update)
    return page, status or form_status(form)


@bp.post("/organise/updates/<int:update_id>/delete")
@login_required
def delete(update_id: int):
    require_organiser(current_user)
    update = services.get_update(update_id)
    form = DeleteUpdateForm()
    title, status = update.title, None
    if form.validate_on_submit():
        try:
            services.delete_update(current_user, update.id, form.reason.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = error.status
        else:
            flash(f"The update “{title}” is deleted.", "info")
            return redirect(url_for("updates.index"))
    return _update_page(update, form, status or form_status(form))
