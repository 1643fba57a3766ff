"""When digests go out: 07:00 UK time, every day or on Mondays, summer time included."""

import email
import email.policy
from datetime import UTC, datetime, timedelta

from coop.digests.models import Digest, DigestStatus
from coop.digests.periods import covers_from, period_start
from coop.extensions import db
from coop.mail.models import OutboundEmail
from coop.uktime import utcnow
from tests.digests.helpers import run_task
from tests.support import make_member


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_daily_period_starts_at_seven_uk_time_in_winter_and_summer():
    assert period_start("daily", utc(2026, 12, 3, 9, 0)) == utc(2026, 12, 3, 7, 0)  # GMT
    assert period_start("daily", utc(2026, 12, 3, 6, 59)) == utc(2026, 12, 2, 7, 0)
    assert period_start("daily", utc(2026, 7, 3, 9, 0)) == utc(2026, 7, 3, 6, 0)  # BST


def test_a_weekly_period_starts_on_monday_at_seven():
    assert period_start("weekly", utc(2026, 11, 27, 12, 0)) == utc(2026, 11, 23, 7, 0)  # Friday
    assert period_start("weekly", utc(2026, 11, 30, 6, 59)) == utc(2026, 11, 23, 7, 0)
    assert period_start("weekly", utc(2026, 11, 30, 7, 0)) == utc(2026, 11, 30, 7, 0)


def test_a_digest_covers_since_the_last_one_but_never_more_than_two_periods():
    start = utc(2026, 11, 30, 7, 0)
    assert covers_from("weekly", start, None) == utc(2026, 11, 23, 7, 0)
    assert covers_from("weekly", start, utc(2026, 11, 20, 7, 0)) == utc(2026, 11, 20, 7, 0)
    assert covers_from("weekly", start, utc(2026, 10, 1, 7, 0)) == utc(2026, 11, 23, 7, 0)
    # The day the clocks go back is 25 hours long: still 07:00 to 07:00 UK time.
    assert covers_from("daily", utc(2026, 10, 25, 7, 0), None) == utc(2026, 10, 24, 6, 0)


def test_beat_plans_daily_and_weekly_digests_at_seven_uk_time(app):
    celery = app.extensions["celery"]
    assert celery.conf.timezone == "Europe/London"
    schedule = celery.conf.beat_schedule
    daily, weekly = schedule["daily-digest"], schedule["weekly-digest"]
    assert daily["task"] == weekly["task"] == "coop.digests.plan"
    assert daily["args"] == ("daily",) and weekly["args"] == ("weekly",)
    assert daily["schedule"].hour == weekly["schedule"].hour == {7}
    assert daily["schedule"].minute == weekly["schedule"].minute == {0}
    assert weekly["schedule"].day_of_week == {1} and len(daily["schedule"].day_of_week) == 7
    for task in ("coop.digests.retry_due", "coop.digests.catch_up", "coop.proposals.close_due",
                 "coop.digests.housekeeping", "coop.mail.forget_old_emails"):  # fmt: skip
        assert task in {entry["task"] for entry in schedule.values()}


def test_housekeeping_forgets_old_digests_and_finished_emails(app):
    member = make_member(app)
    now = utcnow()
    with app.app_context():
        for age in (10, 200):
            start = now - timedelta(days=age)
            db.session.add(Digest(member_id=member.id, frequency="weekly", period_start=start,
                                  covers_from=start, status=DigestStatus.SENT))  # fmt: skip
        for age, sent in ((40, True), (40, False), (5, True)):
            created = now - timedelta(days=age)
            sent_at = created if sent else None
            db.session.add(OutboundEmail(to_address="a@example.org", subject="s", body_text="",
                                         created_at=created, sent_at=sent_at))  # fmt: skip
        db.session.commit()
    assert run_task(app, "coop.digests.housekeeping") == 1
    assert run_task(app, "coop.mail.forget_old_emails") == 1
    with app.app_context():
        assert db.session.query(Digest).count() == 1
        assert db.session.query(OutboundEmail).count() == 2  # recent, and one still to send


def test_a_first_digest_covers_since_joining_whatever_the_boundaries():
    """From the boundary before joining, never later than joining, at most two periods."""
    sent_now = utc(2026, 12, 1, 14, 0)  # the operator's command, mid-period
    joined = utc(2026, 12, 1, 8, 0)  # after this morning's boundary
    assert covers_from("daily", sent_now, None, joined) == utc(2026, 12, 1, 7, 0)
    assert covers_from("daily", utc(2026, 12, 2, 7, 0), None, joined) == utc(2026, 12, 1, 7, 0)
    monday = utc(2026, 11, 30, 7, 0)
    assert covers_from("weekly", monday, None, utc(2026, 11, 20, 9, 0)) == utc(2026, 11, 16, 7, 0)
    assert covers_from("weekly", monday, None, utc(2026, 10, 1, 9, 0)) == utc(2026, 11, 23, 7, 0)


def test_the_operator_sends_everyone_what_is_new_now_and_says_how_many(app):
    """A member who joined an hour ago, after this morning's 07:00, gets their first digest
    at once, with what happened since they joined; a second run sends nothing again; the
    next scheduled digest starts where this one ended."""
    from tests.support import make_idea

    make_member(app, email="rosa@example.org")  # joined just now, daily digests
    make_member(app, email="sam@example.org")
    with app.app_context():
        from coop.accounts.models import Member

        db.session.query(Member).update(
            {"created_at": utcnow() - timedelta(hours=1), "digest_frequency": "daily"}
        )
        db.session.commit()
    make_idea(app, "sam@example.org", "Fresh")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["coop", "send-digests", "daily"])

    assert result.exit_code == 0, result.output
    assert "Queued daily digests for 2 member(s) in 1 batch(es)" in result.output
    with app.app_context():
        rows = {row.member_id: row for row in db.session.query(Digest).all()}
    assert {row.status for row in rows.values()} == {DigestStatus.SENT, DigestStatus.EMPTY}
    [sent] = app.config["MAIL_OUTBOX_DIR"].glob("*.eml")  # rosa's; sam wrote the idea
    message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    assert message["To"] == "rosa@example.org"
    assert "Fresh" in message.get_body(("plain",)).get_content()

    again = runner.invoke(args=["coop", "send-digests", "daily"])
    assert again.exit_code == 0
    assert len(list(app.config["MAIL_OUTBOX_DIR"].glob("*.eml"))) == 1  # nothing new
    run_task(app, "coop.digests.plan", "daily", (utcnow() + timedelta(minutes=1)).isoformat())
    assert len(list(app.config["MAIL_OUTBOX_DIR"].glob("*.eml"))) == 1  # nor at 07:00


def test_the_operator_is_told_why_no_digest_was_queued(app):
    make_member(app, email="rosa@example.org")  # weekly by default
    result = app.test_cli_runner().invoke(args=["coop", "send-digests", "daily"])
    assert "Queued no daily digest: no member has chosen daily digests." in result.output
