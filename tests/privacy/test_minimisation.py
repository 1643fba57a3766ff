"""Private by design: no third-party requests from any page, no IP address in the database,
no opinion in logs or task payloads."""

import logging
import re
from collections import deque
from urllib.parse import urlsplit

import sqlalchemy as sa
from celery.signals import task_prerun

from coop.demo import DEMO_TOTP_SECRET
from coop.extensions import db
from tests.factories import client_for
from tests.support import make_idea, make_member, make_proposal, sign_in, submit

RESOURCE = re.compile(
    r"<(?:script|img|iframe|frame|embed|object|source|audio|video|track|input)\b[^>]*?"
    r"\s(?:src|data|poster|srcset)\s*=\s*[\"']?([^\"'\s>]+)"
    r"|<link\b[^>]*?\shref\s*=\s*[\"']?([^\"'\s>]+)"
    r"|<form\b[^>]*?\saction\s*=\s*[\"']?([^\"'\s>]+)"
    r"|url\(\s*[\"']?([^\"')]+)"
    r"|@import\s+[\"']([^\"']+)",
    re.IGNORECASE,
)
OWN_HOSTS = {"", "localhost"}


def external_resources(html: str) -> list[str]:
    found = [next(group for group in match.groups() if group) for match in RESOURCE.finditer(html)]
    return [url for url in found if urlsplit(url).netloc not in OWN_HOSTS]


def crawl(client, limit: int = 80) -> dict[str, str]:
    """Same-site pages reachable from the home page (GET only), with their HTML."""
    pages, queue = {}, deque(["/", "/ideas", "/proposals", "/updates", "/account", "/privacy"])
    while queue and len(pages) < limit:
        path = queue.popleft()
        if path in pages or "sign-out" in path or path.endswith(".csv"):
            continue
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.content_type:
            pages[path] = ""
            continue
        html = response.get_data(as_text=True)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"], path
        pages[path] = html
        for link in re.findall(r'href="(/[^"#]*)', html):
            if not link.startswith("/static/"):
                queue.append(link.replace("&amp;", "&"))
    return pages


def test_no_page_asks_the_browser_for_anything_from_another_site(app):
    assert app.test_cli_runner().invoke(args=["coop", "demo-data"]).exit_code == 0
    make_member(app, email="rosa@example.org")
    make_idea(app, "rosa@example.org", "Pictures", body="![x](https://tracker.example/p.gif) "
              "<img src=https://tracker.example/q.gif> [a link](https://example.com/)")  # fmt: skip
    visitor = app.test_client()
    organiser = client_for(
        app, "admin@example.org", password="demo-coop-password", totp_secret=DEMO_TOTP_SECRET
    )  # the demo's admin, with the demo's own two-step secret
    crawled = {**crawl(visitor), **{f"admin {p}": h for p, h in crawl(organiser).items()}}
    assert len([html for html in crawled.values() if html]) >= 30
    offenders = {path: external_resources(html) for path, html in crawled.items()}
    assert {path: urls for path, urls in offenders.items() if urls} == {}
    css = visitor.get("/static/coop.css").get_data(as_text=True)
    assert external_resources(css) == []


def test_ip_addresses_are_not_stored_in_the_database(app):
    make_member(app, email="bo@example.org", role="organiser")
    make_member(app, email="sam@example.org")
    idea = make_idea(app, "sam@example.org", "Cycle lanes")
    proposal = make_proposal(app, "bo@example.org", "Build them?")
    address = "203.0.113.77"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    make_member(app, email="rosa@example.org")
    assert sign_in(client, "rosa@example.org").status_code == 302
    actions = [
        ("/account", {"reaction": "support"}, f"/ideas/{idea}/react"),
        ("/account", {"body": "Yes please"}, f"/ideas/{idea}/comments"),
        ("/account", {"choice": "for"}, f"/proposals/{proposal}/vote"),
        ("/ideas/new", {"title": "Mine", "body": "Text", "topic_id": "1"}, None),
    ]
    for page, data, action in actions:
        assert submit(client, page, data, action=action).status_code == 302, action
    with app.app_context():
        for table in db.metadata.sorted_tables:
            texts = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON)]
            for column in texts:
                hit = db.session.execute(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(sa.cast(column, sa.Text).contains(address))
                ).scalar()
                assert hit == 0, f"{table.name}.{column.name}"


def test_opinions_never_reach_logs_or_task_payloads(app, caplog):
    make_member(app, email="bo@example.org", role="organiser")
    make_member(app, email="sam@example.org")
    make_member(app, email="rosa@example.org")
    idea = make_idea(app, "sam@example.org", "Cycle lanes")
    proposal = make_proposal(app, "bo@example.org", "Build them?")
    payloads = []

    def record(sender=None, args=None, kwargs=None, **_):
        payloads.append(repr((sender.name, args, kwargs)))

    task_prerun.connect(record)
    caplog.set_level(logging.DEBUG)
    try:
        client = client_for(app, "rosa@example.org")
        submit(client, "/account", {"reaction": "oppose"}, action=f"/ideas/{idea}/react")
        submit(client, "/account", {"choice": "abstain"},
               action=f"/proposals/{proposal}/vote")  # fmt: skip
    finally:
        task_prerun.disconnect(record)
    logged = caplog.text.lower()
    for secret in ("oppose", "abstain"):
        assert secret not in logged
        assert not any(secret in payload for payload in payloads)
