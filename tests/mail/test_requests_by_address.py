"""Reset and resend emails, asked for by address and composed in the worker, survive a
broker outage like every other email (coop/mail/requests.py), and the address is in no task
payload and no log line."""

import logging
from datetime import timedelta

from sqlalchemy import select

from coop.extensions import db
from coop.mail.models import OutboundEmail
from coop.mail.tasks import sweep_outbox
from coop.uktime import utcnow
from tests.mail.helpers import outbox_rows
from tests.support import make_member, submit

BROKER_DOWN = "redis://127.0.0.1:1/0"


def broker_down(app_factory):
    from config import celery_settings

    return app_factory(CELERY=celery_settings(BROKER_DOWN))


def sweep_now(app) -> int:
    with app.app_context():
        db.session.execute(
            OutboundEmail.__table__.update().values(next_attempt_at=utcnow() - timedelta(1))
        )
        db.session.commit()
        return sweep_outbox.delay().get()


def test_a_reset_asked_for_while_the_broker_is_down_is_sent_by_the_sweep(
    app_factory, tmp_path, caplog
):
    from tests.support import Outbox

    down = broker_down(app_factory)
    make_member(down, email="member@example.org")
    make_member(down, email="new@example.org", verified=False)
    client = down.test_client()
    with caplog.at_level(logging.INFO):
        assert (
            submit(client, "/forgot-password", {"email": "member@example.org"}).status_code == 302
        )
        assert (
            submit(client, "/forgot-password", {"email": "nobody@example.org"}).status_code == 302
        )
        response = submit(client, "/resend-verification", {"email": "new@example.org"})
        assert response.status_code == 302
    assert "@example.org" not in caplog.text  # nor in the failed hand-over's log line
    rows = outbox_rows(down)
    assert len(rows) == 3 and all(row.compose_with and row.sent_at is None for row in rows)

    up = app_factory()  # eager tasks: the sweep composes and delivers at once
    assert sweep_now(up) == 3
    outbox = Outbox(tmp_path / "outbox")
    assert [m["Subject"] for m in outbox.to("member@example.org")] == ["Reset your password"]
    assert [m["Subject"] for m in outbox.to("new@example.org")] == ["Confirm your email address"]
    assert outbox.to("nobody@example.org") == []
    with up.app_context():
        left = db.session.scalars(select(OutboundEmail.to_address)).all()
    assert "nobody@example.org" not in left  # a request for no account leaves nothing
    assert sweep_now(up) == 0  # nothing composed twice


def test_no_address_is_in_a_task_payload(app_factory, monkeypatch):
    app = app_factory()
    make_member(app, email="member@example.org")
    sent = []
    celery = app.extensions["celery"]
    for name, task in celery.tasks.items():
        if name.startswith("coop."):
            original = task.apply_async

            def spy(args=None, *rest, _original=original, _name=name, **kwargs):
                sent.append((_name, args))
                return _original(args, *rest, **kwargs)

            monkeypatch.setattr(task, "apply_async", spy)
    client = app.test_client()
    submit(client, "/forgot-password", {"email": "member@example.org"})
    submit(client, "/resend-verification", {"email": "member@example.org"})
    assert sent and all("@" not in repr(args) for _name, args in sent), sent
