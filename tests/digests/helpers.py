"""Running digests in tests, and building the activity they report on."""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from coop.accounts.models import Member
from coop.digests.models import Digest
from coop.extensions import db
from coop.ideas.models import Idea
from coop.proposals.models import Proposal
from coop.uktime import utcnow
from coop.updates.models import Update


def run_task(app, name: str, *args):
    """Run a task the way the worker would (eager in TestConfig); returns its result."""
    return app.extensions["celery"].tasks[name].apply(args=args).get()


def run_digests(app, frequency: str = "weekly", start: datetime | None = None) -> int:
    """Beat firing for a period that starts a minute from now (so all activity is in it)."""
    start = start or utcnow() + timedelta(minutes=1)
    return run_task(app, "coop.digests.plan", frequency, start.isoformat())


def digest_rows(app) -> list[Digest]:
    with app.app_context():
        rows = db.session.scalars(select(Digest).order_by(Digest.member_id, Digest.id)).all()
        db.session.expunge_all()
        return rows


def member_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Member.id).where(Member.email == email))


def set_columns(app, model, row_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(**values))
        db.session.commit()


def set_support(app, idea_id: int, count: int) -> None:
    set_columns(app, Idea, idea_id, support_count=count)


def open_long_ago(app, proposal_id: int, days: int = 30) -> None:
    set_columns(app, Proposal, proposal_id, opens_at=utcnow() - timedelta(days=days))


def publish_update(app, title: str, author_email: str | None = None) -> int:
    with app.app_context():
        author = db.session.scalar(select(Member).where(Member.email == author_email))
        update_row = Update(
            title=title,
            slug="news",
            body="Body",
            body_html="<p>Body</p>",
            author_id=author.id if author else None,
        )
        db.session.add(update_row)
        db.session.commit()
        return update_row.id


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
