"""SMTP failures back off and retry; after the last attempt the digest is failed and shown
to admins. Also: the number of queries per batch does not grow with the batch."""

import re
from datetime import timedelta

from coop.accounts.models import Role
from coop.digests.models import DigestStatus
from coop.uktime import utcnow
from tests.digests.helpers import digest_rows, run_digests, run_task
from tests.factories import client_for
from tests.support import (
    SmtpSink,
    count_queries,
    free_port,
    make_idea,
    make_member,
    quick_members,
    smtp_settings,
    submit,
)


def test_an_smtp_outage_is_retried_with_backoff_then_delivered_once(app_factory):
    port = free_port()  # nothing listens there yet
    app = app_factory(**smtp_settings(port))
    make_member(app, email="rosa@example.org")
    make_member(app, email="sam@example.org")
    make_member(app, email="ann@example.org")
    make_idea(app, "ann@example.org", "News")
    run_digests(app)
    rows = [row for row in digest_rows(app) if row.status != DigestStatus.EMPTY]
    assert {row.status for row in rows} == {DigestStatus.PENDING}
    tried = [row for row in rows if row.attempts == 1]
    assert len(tried) == 1 and tried[0].last_error  # the rest were not tried: not counted
    assert all(row.next_attempt_at > utcnow() + timedelta(seconds=30) for row in rows)
    assert run_task(app, "coop.digests.retry_due") == 0  # not due yet

    sink = SmtpSink(port)
    sink.start()
    try:
        app.config["MAIL_RETRY_BASE_SECONDS"] = 0  # as if the wait had passed
        with app.app_context():
            from coop.digests.models import Digest
            from coop.extensions import db

            db.session.execute(Digest.__table__.update().values(next_attempt_at=utcnow()))
            db.session.commit()
        assert run_task(app, "coop.digests.retry_due") == 2
        assert run_task(app, "coop.digests.retry_due") == 0
    finally:
        sink.stop()
    assert sorted(m["To"] for m in sink.messages) == ["rosa@example.org", "sam@example.org"]
    retried = sink.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert re.search(r"since \d{1,2} \w+ \d{4}, ", retried)  # a real date, also on a retry
    statuses = sorted(row.status for row in digest_rows(app))
    assert statuses == [DigestStatus.EMPTY, DigestStatus.SENT, DigestStatus.SENT]


def test_after_the_last_attempt_the_digest_is_failed_and_admins_see_it(app_factory, smtp_server):
    app = app_factory(MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_BASE_SECONDS=0, **smtp_settings(free_port()))
    make_member(app, email="rosa.unlucky@example.org", name="Rosa")
    make_member(app, email="admin@example.org", name="Ada", role=Role.ADMIN)
    make_idea(app, "admin@example.org", "News")
    run_digests(app)
    for _ in range(5):
        run_task(app, "coop.digests.retry_due")
    failed = [row for row in digest_rows(app) if row.status == DigestStatus.FAILED]
    assert len(failed) == 1 and failed[0].attempts == 3

    client = client_for(app, "admin@example.org")
    page = client.get("/admin/digests").get_data(as_text=True)
    assert "rosa.unlucky@example.org" in page and "Connection refused" in page
    assert "News" not in page  # never the content

    app.config.update(smtp_settings(smtp_server.port))
    target = failed[0]
    response = submit(client, "/admin/digests", action=f"/admin/digests/{target.id}/retry")
    assert response.status_code == 302
    run_task(app, "coop.digests.retry_due")
    assert len(smtp_server.messages) == 1
    again = submit(client, "/admin/digests", action=f"/admin/digests/{target.id}/retry")
    assert again.status_code == 409  # only a failed digest can be retried
    from coop.audit.models import AuditEntry
    from coop.extensions import db

    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="digest.retry").count() == 1


def test_a_refused_address_fails_without_stopping_the_batch(app_factory, smtp_server):
    app = app_factory(**smtp_settings(smtp_server.port))
    make_member(app, email="refused@example.org")
    make_member(app, email="rosa@example.org")
    make_idea(app, "rosa@example.org", "News")
    make_idea(app, "refused@example.org", "More news")
    run_digests(app)
    statuses = sorted(row.status for row in digest_rows(app))
    assert statuses == [DigestStatus.FAILED, DigestStatus.SENT]  # no retry for a refusal
    assert [m["To"] for m in smtp_server.messages] == ["rosa@example.org"]


def test_queries_per_batch_do_not_grow_with_the_batch(app_factory):
    app = app_factory()
    make_member(app, email="author@example.org")
    idea = make_idea(app, "author@example.org", "Talked about")
    start = (utcnow() + timedelta(minutes=1)).isoformat()

    def batch_of(count: int, prefix: str) -> int:
        ids = quick_members(app, count, prefix)
        with app.app_context():
            from coop.accounts.models import Member
            from coop.comments.services import add_comment
            from coop.extensions import db
            from coop.ideas.models import Idea

            target = db.session.get(Idea, idea)
            for member_id in ids:  # everyone comments, and the author replies to each
                parent = add_comment(db.session.get(Member, member_id), target, "A comment")
                db.session.flush()
                add_comment(db.session.get(Member, target.author_id), target, "Thanks", parent.id)
            db.session.commit()
        task = app.extensions["celery"].tasks["coop.digests.send_batch"]
        return count_queries(app, lambda: task.apply(args=("weekly", start, ids[0], ids[-1])))

    small, large = batch_of(3, "small"), batch_of(30, "large")
    # Per email sent, one UPDATE marking it sent; nothing else grows with the members.
    assert large - small == 30 - 3
    assert small - 3 <= 14
