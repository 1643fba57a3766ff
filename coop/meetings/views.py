"""General meetings: the list and each meeting's page for members of the co-operative and
officers; the secretary's pages to schedule a meeting, set its agenda, give notice and add
its documents. Anyone else finds no meeting (404): the pages say nothing of what exists."""

from flask import (
    Blueprint,
    abort,
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

from coop.elections import queries as election_queries
from coop.errors import CSRF_MESSAGE
from coop.extensions import csrf
from coop.markdown import render_markdown
from coop.meetings import minutes, queries, services
from coop.meetings.forms import ApprovalForm, DocumentForm, ItemForm, MeetingForm, MinutesForm
from coop.meetings.models import ITEM_LABELS, KIND_LABELS
from coop.meetings.rules import Majority
from coop.meetings.voting import queries as voting_queries
from coop.membership.permissions import require_secretary
from coop.uktime import to_uk, uk_today
from coop.validation import database_id
from coop.web import CsrfForm, form_status, save

bp = Blueprint("meetings", __name__)
UPLOAD_OVERHEAD = 64 * 1024  # the form's other fields and the multipart framing


@bp.app_template_filter()
def meeting_time(moment) -> str:
    return services.when(moment)


@bp.app_template_global()
def meeting_labels() -> dict:
    return {"kind": KIND_LABELS, "item": ITEM_LABELS}


def _majority(item) -> str:
    return str(Majority(item.majority, item.majority_more_than)) if item.majority else ""


# Members' pages ------------------------------------------------------------------------------


@bp.get("/meetings")
@login_required
def index():
    found = save(None, services.list_meetings, current_user).value
    return render_template(
        "meetings/index.html", meetings=found, secretary=services.is_secretary(current_user),
        today=uk_today(), to_uk=to_uk,
    )  # fmt: skip


@bp.get("/meetings/<int:meeting_id>")
@login_required
def show(meeting_id: int):
    meeting = save(None, services.readable_meeting, current_user, meeting_id).value
    return render_template(
        "meetings/show.html", meeting=meeting, items=queries.agenda(meeting_id),
        documents=queries.documents(meeting_id), render=render_markdown, majority=_majority,
        secretary=services.is_secretary(current_user),
        elections=election_queries.elections_of_meeting(meeting_id),
        voting_info=voting_queries.meeting_context(meeting),
        minutes=minutes.minutes_of(meeting_id), approves=minutes.approvals(meeting_id),
    )  # fmt: skip


@bp.get("/meetings/<int:meeting_id>/documents/<int:document_id>")
@login_required
def document(meeting_id: int, document_id: int):
    found, path = save(
        None, services.readable_document, current_user, meeting_id, document_id
    ).value
    response = send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=found.filename,
        max_age=0, conditional=False, etag=False,
    )  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"  # members' papers: no shared cache
    return response


# The secretary's pages -------------------------------------------------------------------------


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
def new():
    require_secretary(current_user)
    form = MeetingForm()
    if form.validate_on_submit():
        saved = save(
            form, services.create_meeting, current_user, form.kind.data, form.title.data,
            form.starts_at.data, form.place.data, form.online_url.data,
        )  # fmt: skip
        if saved:
            flash(
                "The meeting is scheduled as a draft. Set its agenda, then give notice.", "success"
            )
            return redirect(url_for("meetings.manage", meeting_id=saved.value.id))
    return render_template("meetings/form.html", form=form, meeting=None), form_status(form)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    require_secretary(current_user)
    meeting = save(None, services.readable_meeting, current_user, meeting_id).value
    form = MeetingForm(obj=None if request.method == "POST" else meeting)
    if request.method == "GET":
        form.starts_at.data = to_uk(meeting.starts_at).replace(tzinfo=None)
    if form.validate_on_submit() and save(
        form, services.update_meeting, current_user, meeting_id, form.kind.data, form.title.data,
        form.starts_at.data, form.place.data, form.online_url.data,
    ):  # fmt: skip
        flash("The meeting's details are saved.", "success")
        return redirect(url_for("meetings.manage", meeting_id=meeting_id))
    return render_template("meetings/form.html", form=form, meeting=meeting), form_status(form)


@bp.get("/meetings/<int:meeting_id>/manage")
@login_required
def manage(meeting_id: int):
    return _manage_page(meeting_id)


def _item_form(meeting, form: ItemForm | None = None, editing=None) -> ItemForm:
    """The item form, offering the resolutions a special resolution may confirm: when
    `editing` an item, the one it already confirms among them."""
    form = form or ItemForm(formdata=None)
    form.confirms_id.choices = [SelectChoice("", "Nothing: a new resolution")] + [
        SelectChoice(str(item.id), f"{first.title}, {services.when(first.starts_at)}: {item.title}")
        for item, first in queries.confirmable_items(meeting, editing)
    ]
    return form


def _manage_page(
    meeting_id: int, item_form=None, document_form=None, status: int = 200, approval=None
):
    require_secretary(current_user)
    meeting = save(None, services.readable_meeting, current_user, meeting_id).value
    today = uk_today()
    told = queries.notice_counts(today)
    page = render_template(
        "meetings/manage.html", meeting=meeting, items=queries.agenda(meeting_id),
        documents=queries.documents(meeting_id), item_form=_item_form(meeting, item_form),
        document_form=document_form or DocumentForm(formdata=None), action_form=CsrfForm(),
        deadline=services.notice_deadline(meeting), today=today,
        clear_days=services.settings().clear_days[meeting.kind],
        delivery_days=services.settings().deemed_delivery_days,
        to_email=told.by_email, to_post=told.by_post, majority=_majority,
        render=render_markdown, approves=minutes.approvals(meeting_id),
        approval=approval or (None, approval_form(meeting)), approval_blank=approval_form(meeting),
        minutes=minutes.minutes_of(meeting_id),
    )  # fmt: skip
    return page, status


@bp.post("/meetings/<int:meeting_id>/items")
@login_required
def add_item(meeting_id: int):
    require_secretary(current_user)
    meeting = save(None, services.readable_meeting, current_user, meeting_id).value
    form = _item_form(meeting, ItemForm())
    if form.validate_on_submit() and save(
        form, services.add_item, current_user, meeting_id, form.kind.data, form.title.data,
        form.text.data, form.two_stage.data, database_id(form.confirms_id.data),
    ):  # fmt: skip
        flash("The item is on the agenda.", "success")
        return redirect(url_for("meetings.manage", meeting_id=meeting_id))
    return _manage_page(meeting_id, item_form=form, status=form_status(form))


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(meeting_id: int, item_id: int):
    require_secretary(current_user)
    meeting = save(None, services.readable_meeting, current_user, meeting_id).value
    item = next((i for i in queries.agenda(meeting_id) if i.id == item_id), None)
    if item is None:
        abort(404)
    form = _item_form(
        meeting, ItemForm(obj=None if request.method == "POST" else item), editing=item
    )
    if request.method == "GET":
        form.confirms_id.data = str(item.confirms_id or "")
    if form.validate_on_submit() and save(
        form, services.update_item, current_user, meeting_id, item_id, form.kind.data,
        form.title.data, form.text.data, form.two_stage.data, database_id(form.confirms_id.data),
    ):  # fmt: skip
        flash("The item is saved.", "success")
        return redirect(url_for("meetings.manage", meeting_id=meeting_id))
    page = render_template("meetings/item.html", form=form, meeting=meeting, item=item)
    return page, form_status(form)


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/remove")
@login_required
def remove_item(meeting_id: int, item_id: int):
    require_secretary(current_user)
    if CsrfForm().validate_on_submit():
        save(None, services.remove_item, current_user, meeting_id, item_id)
        flash("The item is off the agenda.", "info")
    return redirect(url_for("meetings.manage", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/notice")
@login_required
def notice(meeting_id: int):
    require_secretary(current_user)
    if CsrfForm().validate_on_submit():
        told = save(None, services.issue_notice, current_user, meeting_id).value
        flash(f"Notice is given: {told} member(s) are being emailed.", "success")
    return redirect(url_for("meetings.manage", meeting_id=meeting_id))


@bp.post("/meetings/<int:meeting_id>/documents")
@csrf.exempt  # the body may exceed MAX_CONTENT_LENGTH: the form checks its token, below
@login_required
def upload(meeting_id: int):
    require_secretary(current_user)  # before a byte of the body is read
    limit = current_app.config["COOP_MEETING_DOCUMENT_MAX_BYTES"]
    request.max_content_length = limit + UPLOAD_OVERHEAD
    form = DocumentForm()
    if form.validate_on_submit() and save(
        form, services.add_document, current_user, meeting_id, form.title.data,
        getattr(form.file.data, "filename", ""), getattr(form.file.data, "stream", None),
    ):  # fmt: skip
        flash("The document is on the meeting's page.", "success")
        return redirect(url_for("meetings.manage", meeting_id=meeting_id))
    if form.csrf_token.errors:  # shown at the top: the token has no field of its own
        form.form_errors.append(CSRF_MESSAGE)
    return _manage_page(meeting_id, document_form=form, status=form_status(form))


# Minutes -----------------------------------------------------------------------------------------


@bp.get("/meetings/<int:meeting_id>/minutes")
def minutes_page(meeting_id: int):
    """The minutes: to anyone if the secretary published them publicly, else as the meeting."""
    meeting, found = save(None, minutes.readable_minutes, current_user, meeting_id).value
    page = render_template("meetings/minutes.html", meeting=meeting, minutes=found,
                           render=render_markdown)  # fmt: skip
    response = current_app.make_response(page)
    if not found.public:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/meetings/<int:meeting_id>/minutes/edit", methods=["GET", "POST"])
@login_required
def record_minutes(meeting_id: int):
    require_secretary(current_user)
    meeting = save(None, services.readable_meeting, current_user, meeting_id).value
    found = minutes.minutes_of(meeting_id)
    form = MinutesForm(obj=None if request.method == "POST" else found)
    if form.validate_on_submit() and save(
        form, minutes.record_minutes, current_user, meeting_id, form.text.data, form.public.data
    ):
        flash("The minutes are saved.", "success")
        return redirect(url_for("meetings.minutes_page", meeting_id=meeting_id))
    page = render_template("meetings/minutes_form.html", form=form, meeting=meeting, minutes=found)
    return page, form_status(form)


def approval_form(meeting, form: ApprovalForm | None = None) -> ApprovalForm:
    """The form linking a minutes item to the earlier minutes it approves."""
    form = form or ApprovalForm(formdata=None)
    form.minutes_of.choices = [SelectChoice("", "Choose the minutes")] + [
        SelectChoice(str(found.meeting_id), f"{earlier.title}, {services.when(earlier.starts_at)}")
        for found, earlier in minutes.unlinked(meeting)
    ]
    return form


@bp.post("/meetings/<int:meeting_id>/items/<int:item_id>/approves")
@login_required
def link_minutes(meeting_id: int, item_id: int):
    require_secretary(current_user)
    meeting = save(None, services.readable_meeting, current_user, meeting_id).value
    if next((i for i in queries.agenda(meeting_id) if i.id == item_id), None) is None:
        abort(404)
    form = approval_form(meeting, ApprovalForm())
    if form.validate_on_submit() and save(
        form, minutes.link_approval, current_user, item_id, database_id(form.minutes_of.data)
    ):
        flash("The item is linked to the minutes it approves.", "success")
        return redirect(url_for("meetings.manage", meeting_id=meeting_id))
    return _manage_page(meeting_id, approval=(item_id, form), status=form_status(form))
