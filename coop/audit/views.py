from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import current_user, login_required

from coop.audit import services
from coop.web import page_number

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("")
@login_required
def index():
    filters = services.AuditFilters.from_args(request.args)
    entries = services.list_entries(current_user, filters, page_number())
    return render_template(
        "audit/index.html", entries=entries, filters=filters, actions=services.known_actions()
    )


@bp.get("/export.csv")
@login_required
def export():
    filters = services.AuditFilters.from_args(request.args)
    rows = services.export_csv(current_user, filters)
    first = next(rows)  # authorisation is checked before the response starts
    body = stream_with_context(_chain(first, rows))
    headers = {"Content-Disposition": "attachment; filename=audit-log.csv"}
    return Response(body, mimetype="text/csv", headers=headers)


def _chain(first: str, rest):
    yield first
    yield from rest
