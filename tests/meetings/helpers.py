"""A society with members, and a meeting scheduled by its secretary."""

from datetime import datetime, timedelta

from coop.extensions import db
from coop.meetings import services
from coop.uktime import UK, utcnow
from tests.membership.helpers import SECRETARY, find

RESOLUTION = "That the society adopts the **new rules** attached to this notice."


def uk_local(days: float = 40, hour: int = 19) -> datetime:
    """A naive UK wall-clock time `days` from now, at `hour` o'clock."""
    moment = (utcnow() + timedelta(days=days)).astimezone(UK)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0, tzinfo=None)


def form_time(local: datetime) -> str:
    return local.strftime("%Y-%m-%dT%H:%M")


def scheduled(app, days: float = 40, items: int = 2, kind: str = "annual", **changes) -> int:
    """A draft meeting `days` ahead with `items` agenda items (a report, then ordinary
    resolutions); its id."""
    with app.app_context():
        secretary = find(SECRETARY)
        meeting = services.create_meeting(
            secretary, kind, changes.get("title", "Annual general meeting"),
            changes.get("starts", uk_local(days)), changes.get("place", "The Hall\nLL30 2AA"),
            changes.get("online_url", "https://meet.example.org/agm"),
        )  # fmt: skip
        for number in range(items):
            if number == 0:
                services.add_item(secretary, meeting.id, "report", "The board's report", "")
            else:
                services.add_item(secretary, meeting.id, "ordinary", f"Resolution {number}",
                                  RESOLUTION)  # fmt: skip
        db.session.commit()
        return meeting.id


def notice_given(app, meeting_id: int) -> int:
    with app.app_context():
        told = services.issue_notice(find(SECRETARY), meeting_id)
        db.session.commit()
        return told
