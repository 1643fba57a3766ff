"""Meeting documents: PDFs only, within the size limit, stored outside static/ under a random
name, served as attachments to members of the co-operative and officers alone."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coop.extensions import db
from coop.meetings.models import MeetingDocument
from tests.factories import client_for
from tests.meetings.helpers import notice_given, scheduled
from tests.membership.helpers import ADMIN, SECRETARY, SUPPORTER, TREASURER, admitted, make_society
from tests.support import csrf_token, make_member

MEMBER = "mo@example.org"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def society(app):
    make_society(app)
    make_member(app, MEMBER, "Mo")
    admitted(app, MEMBER, "Mo Member")


def upload(client, meeting_id: int, content: bytes, filename: str = "accounts.pdf", **form):
    manage = f"/meetings/{meeting_id}/manage"
    data = {"csrf_token": csrf_token(client, manage), "title": "Accounts 2027", **form,
            "file": (io.BytesIO(content), filename, "application/pdf")}  # fmt: skip
    return client.post(f"/meetings/{meeting_id}/documents", data=data,
                       content_type="multipart/form-data")  # fmt: skip


def stored(app) -> list[MeetingDocument]:
    with app.app_context():
        found = list(db.session.scalars(select(MeetingDocument)))
        for document in found:
            db.session.expunge(document)
        return found


def test_a_pdf_is_stored_outside_static_and_served_only_to_members_and_officers(app, society):
    meeting_id = scheduled(app)
    secretary = client_for(app, SECRETARY)
    assert (
        upload(secretary, meeting_id, PDF, "../../etc/Annual Accounts 2027.PDF").status_code == 302
    )
    [document] = stored(app)
    assert document.filename == "Annual-Accounts-2027.pdf"  # no folder, no odd characters
    folder = Path(app.config["INSTANCE_DIR"]) / "meeting-documents"
    assert (folder / document.stored_name).read_bytes() == PDF
    assert not list(Path(app.static_folder).rglob(document.stored_name))
    path = f"/meetings/{meeting_id}/documents/{document.id}"
    assert client_for(app, MEMBER).get(path).status_code == 404  # the meeting is a draft
    notice_given(app, meeting_id)

    for reader in (MEMBER, TREASURER, SECRETARY):
        response = client_for(app, reader).get(path)
        assert response.status_code == 200, reader
        assert response.data == PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "Annual-Accounts-2027.pdf" in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    for outsider in (SUPPORTER, ADMIN):
        assert client_for(app, outsider).get(path).status_code == 404, outsider
    assert client_for(app, MEMBER).get(f"/meetings/{meeting_id}/documents/999").status_code == 404
    other = scheduled(app)
    assert (
        client_for(app, SECRETARY).get(f"/meetings/{other}/documents/{document.id}").status_code
        == 404
    )
    assert "Accounts 2027" in client_for(app, MEMBER).get(f"/meetings/{meeting_id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "accounts.pdf", "not a PDF"),
        (b"MZ\x90\x00 an executable", "report.pdf", "not a PDF"),
        (b"", "empty.pdf", "Choose a PDF"),
        (PDF + b"x" * (1024 * 1024), "big.pdf", "1 MB or smaller"),
    ],
)
def test_what_is_not_a_small_pdf_is_refused_beside_the_field(
    app_factory, content, filename, message
):
    app = app_factory(COOP_MEETING_DOCUMENT_MAX_BYTES=1024 * 1024)
    make_society(app)
    meeting_id = scheduled(app)
    secretary = client_for(app, SECRETARY)
    response = upload(secretary, meeting_id, content, filename)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page and message in page
    assert stored(app) == []
    folder = Path(app.config["INSTANCE_DIR"]) / "meeting-documents"
    assert not folder.exists() or list(folder.iterdir()) == []  # nothing left on disk


def test_a_body_far_beyond_the_limit_is_refused_before_it_is_read(app_factory):
    app = app_factory(COOP_MEETING_DOCUMENT_MAX_BYTES=1000)
    make_society(app)
    meeting_id = scheduled(app)
    response = upload(client_for(app, SECRETARY), meeting_id, PDF + b"x" * 200_000)
    assert response.status_code == 413
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MeetingDocument)) == 0


def test_an_upload_without_its_csrf_token_is_refused(app, society):
    meeting_id = scheduled(app)
    secretary = client_for(app, SECRETARY)
    response = secretary.post(
        f"/meetings/{meeting_id}/documents",
        data={"title": "x", "file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    assert stored(app) == []
