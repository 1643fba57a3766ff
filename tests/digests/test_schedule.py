"""When digests go out: 07:00 UK time, every day or on Mondays, summer time included."""

from datetime import UTC, datetime, timedelta

from coop.digests.models import Digest, DigestStatus
from coop.digests.periods import covers_from, period_start
from coop.extensions import db, utcnow
from coop.mail.models import OutboundEmail
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


def test_an_operator_can_send_this_periods_digests_now(app):
    from tests.support import make_idea

    make_member(app, email="rosa@example.org")
    make_member(app, email="sam@example.org")
    make_idea(app, "sam@example.org", "Fresh")
    with app.app_context():
        from coop.accounts.models import Member

        db.session.query(Member).update({"created_at": utcnow() - timedelta(days=30)})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["coop", "send-digests", "weekly"])
    assert result.exit_code == 0, result.output
    assert "Queued the weekly digests" in result.output
    with app.app_context():
        rows = db.session.query(Digest).all()
        # Activity from now falls in the next period: this one has nothing new yet.
        assert {row.status for row in rows} == {DigestStatus.EMPTY}
        assert len(rows) == 2
