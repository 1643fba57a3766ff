"""The production path, end to end: the wheel installed from the lockfile outside the
checkout, migrated with `flask db upgrade`, then two gunicorn processes, two Celery workers
and one beat on one PostgreSQL database and one Redis, mail through an SMTP server. This is
how the platform scales out (more web and worker machines on one database and Redis): a
member's journey goes back and forth between the web processes, a worker restarts in the
middle, and every email still arrives exactly once.

Runs once, in the PostgreSQL pass of `make test`: 90 to 140 seconds here, half a minute of
it installing and up to a minute waiting for beat's next minute. Under CI a missing
PostgreSQL or Redis fails it."""

import re
import secrets
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL, TEST_DB, service_missing
from tests.ideas.helpers import COUNTS_RE
from tests.production.deployment import (
    HOST,
    Browser,
    Service,
    build_wheel,
    environment,
    install,
    left_out,
    run,
    wait_until_serving,
)
from tests.support import PASSWORD, free_port, join_data, links_in, path_of

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgresql", reason="runs once, in the PostgreSQL pass of make test"
)
REDIS_DB = 14  # its own: the other tests use 15, make bench 0
IDEA_SCRIPT = """
from coop import create_app
from coop.accounts.services import find_by_email
from coop.extensions import db
from coop.ideas.services import create_topic, submit_idea
from coop.proposals.services import create_proposal
from coop.uktime import utcnow
from datetime import timedelta

with create_app().app_context():
    admin = find_by_email("admin@example.org")
    admin.totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # two-step set up: organiser powers
    topic = create_topic(admin, "Housing", "Homes for members")
    idea = submit_idea(admin, "Build more homes", "We need **affordable** homes.", topic.id)
    now = utcnow()
    vote = create_proposal(admin, "Build them?", "", now, now + timedelta(days=7), "majority",
                           None, "public", now=now)
    db.session.commit()
    print(idea.id, vote.id)
"""


class Deployment:
    def __init__(self, folder: Path, bin: Path, env: dict):
        self.folder, self.bin, self.env = folder, bin, env
        self.ports = (free_port(), free_port())
        self.services: dict[str, Service] = {}

    def flask(self, *args: str) -> str:
        return run([self.bin / "flask", "--app", "coop", *args], cwd=self.folder, env=self.env)

    def start(self, name: str, *command) -> Service:
        service = Service(name, [self.bin / command[0], *command[1:]], self.folder, self.env)
        self.services[name] = service.start()
        return service

    def web(self, name: str, port: int) -> Service:
        return self.start(name, "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                          "coop:create_app()")  # fmt: skip

    def worker(self, name: str) -> Service:
        return self.start(name, "celery", "-A", "celery_worker:celery", "worker", "--loglevel=info",
                          "--concurrency=1", f"--hostname={name}@%h")  # fmt: skip

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()


@pytest.fixture
def deployment(tmp_path, redis_url, smtp_server):
    name = f"coop_production_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        service_missing("PostgreSQL", error)
    broker = f"{redis_url.rsplit('/', 1)[0]}/{REDIS_DB}"
    redis.Redis.from_url(broker).flushdb()
    folder = tmp_path / "srv"  # the service's working directory: no checkout in sight
    folder.mkdir()
    env = environment(
        COOP_CONFIG="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=sa.make_url(PG_ADMIN_URL)
        .set(drivername="postgresql", database=name)
        .render_as_string(hide_password=False),
        REDIS_URL=broker,
        BASE_URL=f"https://{HOST}",
        BALLOT_KEY_DIR=str(folder / "ballot-keys"),
        COOP_INSTANCE_DIR=str(folder / "instance"),
        PROXY_FIX_X_FOR="1",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_server.port),
        SMTP_SECURITY="none",
        MAIL_FROM="The Independents <no-reply@coop.test>",
        COMMON_GROUND_EVERY_MINUTES="0.25",
    )
    deployed = Deployment(folder, tmp_path / "venv" / "bin", env)
    try:
        wheel = build_wheel(tmp_path / "build")
        assert left_out(wheel) == []
        install(wheel, tmp_path / "venv")
        yield deployed
    finally:
        deployed.stop()
        redis.Redis.from_url(broker).flushdb()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def supports_on(browser: Browser, port: int, path: str) -> int:
    page = browser.get(port, path)
    assert page.status == 200
    return int(COUNTS_RE.search(page.text).group(1))


def addresses(smtp_server) -> list[str]:
    return sorted(message["To"] for message in smtp_server.messages)


def worker_logs(workers: list[Service]) -> str:
    return "".join(worker.output() for worker in workers)


def task_ids(log: str, task: str, word: str) -> set[str]:
    return set(re.findall(rf"Task {re.escape(task)}\[([0-9a-f-]+)\] {word}", log))


def wait_for_runs(workers: list[Service], task: str, count: int) -> str:
    """The workers' logs once `count` runs of `task` have succeeded (or 20 s went by)."""
    deadline = time.monotonic() + 20
    while len(task_ids(logs := worker_logs(workers), task, "succeeded")) < count:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return logs


def test_the_installed_wheel_runs_on_two_web_processes_two_workers_and_one_beat(
    deployment, smtp_server
):
    d = deployment
    where = run([d.bin / "python", "-c", "import coop, config, celery_worker, migrations; "
                 "print(coop.__file__, config.__file__, celery_worker.__file__)"],
                cwd=d.folder, env=d.env)  # fmt: skip
    assert all(path.startswith(str(d.bin.parent)) for path in where.split())
    d.flask("db", "upgrade")
    assert d.flask("db", "current").strip().endswith("(head)")
    d.flask("coop", "create-admin", "--email", "admin@example.org", "--name", "Site Admin",
            "--password", PASSWORD)  # fmt: skip
    idea_id, proposal_id = map(
        int, run([d.bin / "python", "-c", IDEA_SCRIPT], cwd=d.folder, env=d.env).split()
    )

    a, b = d.ports
    webs = [d.web("web-a", a), d.web("web-b", b)]
    workers = [d.worker("worker1"), d.worker("worker2")]
    beat = d.start("beat", "celery", "-A", "celery_worker:celery", "beat", "--loglevel=info",
                   f"--schedule={d.folder / 'celerybeat-schedule'}")  # fmt: skip
    for port, web in zip(d.ports, webs, strict=True):
        wait_until_serving(port, web)
    for worker in workers:
        worker.wait_for_line(" ready.")
    beat.wait_for_line("beat: Starting")

    visitor = Browser("198.51.100.7")
    idea = visitor.get(a, f"/ideas/{idea_id}").headers["Location"]
    assert supports_on(visitor, a, idea) == supports_on(visitor, b, idea) == 0
    assert redis.Redis.from_url(d.env["REDIS_URL"]).keys("coop-pages:*")  # kept for both

    # Rosa joins on one web process, confirms and signs in on the other, supports on the first.
    rosa = Browser("203.0.113.10")
    joined = rosa.submit(a, b, "/join", join_data(email="rosa@example.org"))
    assert (joined.status, joined.headers["Location"]) == (302, "/check-your-email/join")
    [confirm] = smtp_server.wait_for(1)
    assert (confirm["To"], confirm["Subject"]) == ("rosa@example.org", "Confirm your email address")
    link = links_in(confirm)[0]
    assert link.startswith(f"https://{HOST}/verify/")
    confirmed = rosa.submit(b, a, path_of(link), {"password": PASSWORD})
    assert confirmed.status == 302
    signed_in = rosa.submit(a, b, "/sign-in", {"email": "rosa@example.org", "password": PASSWORD})
    assert signed_in.status == 302 and signed_in.headers["Location"] != "/sign-in"
    for port in (a, b):  # one session, valid on both
        account = rosa.get(port, "/account")
        assert account.status == 200 and "rosa@example.org" in account.text
    token = rosa.get(b, idea).csrf_token()
    support = {"csrf_token": token, "reaction": "support"}
    supported = rosa.post(a, f"/ideas/{idea_id}/react", support)
    assert supported.status == 302
    assert supports_on(rosa, b, idea) == 1
    assert supports_on(visitor, a, idea) == supports_on(visitor, b, idea) == 1  # kept pages moved

    # She votes on the second process; the first shows her ballot's tracker, and the second
    # finds it on the vote's public list of ballots.
    page = rosa.get(a, f"/proposals/{proposal_id}").headers["Location"]
    choice = {"csrf_token": rosa.get(a, page).csrf_token(), "choice": "for"}
    assert rosa.post(b, f"/proposals/{proposal_id}/vote", choice).status == 302
    voted = re.search(r'tracker is <code class="tracker">([^<]+)</code>', rosa.get(a, page).text)
    assert voted, "no tracker on the other web process"
    tracker = voted.group(1).replace(" ", "")
    listed = visitor.get(b, f"/proposals/{proposal_id}/ballots?tracker={tracker}")
    assert "Found: entry 1" in listed.text

    # Others join while worker1 restarts: before, during and after.
    expected = ["rosa@example.org"]

    def join(number: int) -> None:
        email = f"joiner{number}@example.org"
        name = f"Joiner {'ABCDEFGHIJ'[number]}"
        browser = Browser(f"192.0.2.{number + 1}")
        port = d.ports[number % 2]
        answer = browser.submit(port, port, "/join", join_data(email=email, display_name=name))
        assert answer.status == 302, answer.text[:2000]
        expected.append(email)

    for number in range(3):
        join(number)
    restarted = workers[0]
    restarted.stop()  # warm shutdown, as `systemctl restart` asks
    for number in range(3, 6):
        join(number)
    offset = len(restarted.output())
    restarted.start()
    restarted.wait_for_line(" ready.", after=offset)
    for number in range(6, 8):
        join(number)

    smtp_server.wait_for(len(expected), timeout=60)
    assert addresses(smtp_server) == sorted(expected)

    # Beat's work runs once each time it is due, on one worker or the other: every entry it
    # sent (the common-ground scores every 15 seconds here, and once when beat starts), and
    # the outbox sweep of the next minute, which finds nothing left to send.
    sent = len(beat.output())
    beat.wait_for_line("Sending due task sweep-outbox", timeout=75, after=sent)
    beat.stop()  # what it sent is all there is to run
    due = Counter(re.findall(r"Sending due task \S+ \(([\w.]+)\)", beat.output()))
    due["coop.common_ground.recompute"] += 1
    for task, count in due.items():
        logs = wait_for_runs(workers, task, count)
        ran = task_ids(logs, task, "succeeded")
        assert task_ids(logs, task, "received") == ran and len(ran) == count, (task, count, ran)
    assert addresses(smtp_server) == sorted(expected)
    for service in (*webs, *workers, beat):
        assert "Traceback" not in service.output(), service.output()[-3000:]
