"""The updates pages run a fixed number of SQL statements, however many updates there are."""

from tests.factories import signed_in
from tests.support import count_queries
from tests.updates.helpers import make_updates, organiser_client

PAGES = ["/updates", "/updates?page=2", "/"]
CEILING = 8
# The home page reads more: due votes closed first, then open and closed votes, two idea lists
# (common ground and the most active this week, without totals) and the latest updates; a
# signed-in reader adds the session's member and the unread notifications.
HOME_CEILING = 8


def queries_for(app, client, path: str) -> int:
    responses = []
    count = count_queries(app, lambda: responses.append(client.get(path)))
    assert responses[0].status_code == 200, path
    return count


def readers(app) -> dict:
    """A visitor, a member and an organiser, each having loaded a page (warm connections)."""
    organiser = organiser_client(app)
    member = signed_in(app, name="Reader")
    visitor = app.test_client()
    for client in (visitor, member, organiser):
        client.get("/updates")
    return {"visitor": visitor, "member": member, "organiser": organiser}


def page_queries(app, clients: dict) -> dict:
    return {
        (who, path): queries_for(app, client, path)
        for who, client in clients.items()
        for path in PAGES
    }


def test_the_update_list_runs_the_same_queries_for_12_or_45_updates(app):
    clients = readers(app)
    make_updates(app, 12)
    few = page_queries(app, clients)
    make_updates(app, 33)
    many = page_queries(app, clients)

    assert many == few
    assert max(count for (_, path), count in many.items() if path != "/") <= CEILING
    assert max(count for (_, path), count in many.items() if path == "/") <= HOME_CEILING


def test_an_update_page_runs_a_fixed_number_of_queries(app):
    clients = readers(app)
    first, *_, last = make_updates(app, 20)
    for who, client in clients.items():
        counts = {queries_for(app, client, f"/updates/{i}-update-number-{n}")
                  for i, n in ((first, 0), (last, 19))}  # fmt: skip
        assert len(counts) == 1 and max(counts) <= CEILING, who
