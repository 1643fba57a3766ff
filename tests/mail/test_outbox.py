from datetime import timedelta

from coop.extensions import db
from coop.mail.models import OutboundEmail
from coop.mail.services import deliver, due_email_ids, queue_email
from coop.mail.tasks import sweep_outbox
from coop.uktime import utcnow
from tests.mail.helpers import outbox_rows
from tests.support import join_data, smtp_settings, submit


def test_sent_email_is_recorded_and_its_body_cleared(app, client, outbox):
    submit(client, "/join", join_data())
    [row] = outbox_rows(app)
    assert row.to_address == "rosa@example.org"
    assert row.subject == "Confirm your email address"
    assert row.sent_at is not None and row.attempts == 1
    assert row.body_text == ""  # the verification link is not kept
    [message] = outbox.messages()
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Auto-Submitted"] == "auto-generated"


def test_email_is_delivered_over_smtp(app_factory, smtp_server):
    app = app_factory(**smtp_settings(smtp_server.port))
    submit(app.test_client(), "/join", join_data())
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "rosa@example.org"
    assert "http://localhost/verify/" in message.get_body(("plain",)).get_content()


def test_email_queued_in_a_rolled_back_transaction_is_never_sent(app, outbox):
    with app.test_request_context():
        queue_email(
            "x@example.org",
            "Never",
            "accounts/email/password_changed",
            member=None,
            reset_link="http://localhost/",
        )
        db.session.rollback()
        db.session.commit()
    assert outbox_rows(app) == []
    assert outbox.messages() == []


def test_delivering_twice_sends_once(app, outbox):
    with app.test_request_context():
        email = queue_email(
            "x@example.org", "Once", "accounts/email/email_changed", member={"display_name": "X"}
        )
        email_id = email.id
        db.session.info.clear()  # deliver by hand below, not after the commit
        db.session.commit()
        assert deliver(email_id) is True
        assert deliver(email_id) is False
        assert deliver(999_999) is False
    assert len(outbox.messages()) == 1


def queue_by_hand(app, to: str = "x@example.org") -> int:
    """Queue an email without the after-commit hand-over, to deliver it by hand."""
    with app.test_request_context():
        email = queue_email(
            to, "Hello", "accounts/email/email_changed", member={"display_name": "X"}
        )
        db.session.info.clear()
        db.session.commit()
        return email.id


def test_a_failed_delivery_is_kept_with_its_error_and_a_time_to_retry(app_factory):
    from tests.support import free_port

    app = app_factory(**smtp_settings(free_port()))  # nothing listens there
    email_id = queue_by_hand(app)
    with app.app_context():
        assert deliver(email_id) is False
    [row] = outbox_rows(app)
    assert row.sent_at is None and row.failed_at is None
    assert row.attempts == 1 and row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(minutes=1)
    assert row.body_text  # kept until it is sent


def test_delivery_gives_up_after_the_last_attempt_and_forgets_the_body(app_factory):
    from tests.support import free_port

    app = app_factory(MAIL_MAX_ATTEMPTS=3, **smtp_settings(free_port()))
    email_id = queue_by_hand(app)
    with app.app_context():
        for _ in range(3):
            deliver(email_id)
        assert deliver(email_id) is False
    [row] = outbox_rows(app)
    assert row.attempts == 3
    assert row.failed_at is not None and row.body_text == ""


def test_a_refused_recipient_is_not_retried(app_factory, smtp_server):
    app = app_factory(**smtp_settings(smtp_server.port))
    email_id = queue_by_hand(app, to="refused@example.org")
    with app.app_context():
        assert deliver(email_id) is False
    [row] = outbox_rows(app)
    assert row.attempts == 1 and row.failed_at is not None
    assert "refused" in row.last_error.lower() or "550" in row.last_error


def test_the_sweep_takes_only_what_is_due(app):
    first, second = queue_by_hand(app), queue_by_hand(app)
    with app.app_context():
        assert due_email_ids() == []  # both are still with the task queue
        db.session.execute(
            OutboundEmail.__table__.update()
            .where(OutboundEmail.id == first)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        assert due_email_ids() == [first]
        assert second not in due_email_ids()


def test_a_broker_outage_fails_no_request_and_the_sweep_sends_later(
    app_factory, smtp_server, tmp_path
):
    from config import celery_settings

    down = app_factory(CELERY=celery_settings("redis://127.0.0.1:1/0"))
    response = submit(down.test_client(), "/join", join_data())
    assert response.status_code == 302
    [row] = outbox_rows(down)
    assert row.sent_at is None

    up = app_factory(**smtp_settings(smtp_server.port))
    with up.app_context():
        db.session.execute(
            OutboundEmail.__table__.update().values(next_attempt_at=utcnow() - timedelta(1))
        )
        db.session.commit()
        assert sweep_outbox.delay().get() == 1
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Confirm your email address"


def test_file_emails_never_overwrite_each_other(app, outbox):
    """SQLite reuses an outbox id once its row is deleted, and a digest sent again keeps its
    row: each email still gets a file of its own, in the order written."""
    from email.message import EmailMessage

    from coop.mail.backends import send_message

    with app.app_context():
        for subject in ("First", "Second", "Third"):
            message = EmailMessage()
            message["Subject"] = subject
            message.set_content(subject)
            send_message(message, outbox_id=7)  # the same id each time
    files = sorted(app.config["MAIL_OUTBOX_DIR"].glob("*.eml"))
    assert [f.read_bytes().split(b"Subject: ")[1][:5] for f in files] == [
        b"First",
        b"Secon",
        b"Third",
    ]
    assert not list(app.config["MAIL_OUTBOX_DIR"].glob("*.part"))
