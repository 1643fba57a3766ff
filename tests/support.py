"""Helpers shared by the tests: forms with their CSRF token, members, the outbox, SMTP,
and hostile markup."""

import asyncio
import re
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from coop.accounts.models import Member, Role
from coop.accounts.services import create_verified_member, find_by_email
from coop.extensions import db

PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # organisers' authenticator, in tests
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)
LINK_RE = re.compile(r"https?://\S+")


def csrf_token(client, page: str) -> str:
    html = client.get(page).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1) or match.group(2)


def submit(client, page: str, data: dict | None = None, action: str | None = None, **kwargs):
    """Load `page`, then post `data` with the page's CSRF token to `action` (or the page)."""
    form = {"csrf_token": csrf_token(client, page), **(data or {})}
    return client.post(action or page, data=form, **kwargs)


NOTICE = "2026-12-07.2"  # the privacy notice version the test settings publish


def join_data(**changes) -> dict:
    """The join form, filled in by Rosa; a change of None leaves that field out."""
    data = {
        "display_name": "Rosa Parks-Fan",
        "email": "Rosa@Example.org",
        "password": PASSWORD,
        "notice_version": NOTICE,
        "accept_privacy": "y",
        "political_consent": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def make_member(
    app,
    email: str = "member@example.org",
    name: str = "Test Member",
    role: Role = Role.MEMBER,
    verified: bool = True,
    password: str = PASSWORD,
) -> Member:
    with app.app_context():
        member = create_verified_member(name, email, password, role)
        if role != Role.MEMBER:  # organiser powers need two-step sign-in
            member.totp_secret = TOTP_SECRET
        if not verified:
            member.email_verified_at = None
        db.session.commit()
        db.session.refresh(member)
        db.session.expunge(member)
        return member


def quick_members(app, count: int, prefix: str = "member") -> list[int]:
    """Confirmed, consenting members who never sign in, written directly so that no
    password is hashed; returns their ids."""
    from coop.uktime import utcnow

    with app.app_context():
        members = [
            Member(
                display_name=f"{prefix.title()} {number}",
                email=f"{prefix}{number}@example.org",
                password_hash="!unusable",
                role=Role.MEMBER,
                email_verified_at=utcnow(),
                privacy_notice_version=app.config["PRIVACY_NOTICE_VERSION"],
                political_opinions_consent=True,
            )
            for number in range(count)
        ]
        db.session.add_all(members)
        db.session.commit()
        return [member.id for member in members]


def load_member(app, email: str) -> Member | None:
    with app.app_context():
        member = find_by_email(email)
        if member is not None:
            db.session.expunge(member)
        return member


def sign_in(
    client,
    email: str = "member@example.org",
    password: str = PASSWORD,
    totp_secret: str = TOTP_SECRET,
    **extra,
):
    """Sign in through the form, answering the two-step code page when it comes (with a code
    from `totp_secret`: the tests' own, or for instance the demo data's)."""
    data = {"email": email, "password": password, **extra}
    response = submit(client, "/sign-in", data)
    if response.status_code == 302 and response.headers["Location"] == "/sign-in/code":
        import pyotp

        response = submit(client, "/sign-in/code", {"code": pyotp.TOTP(totp_secret).now()})
    return response


def body_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    return LINK_RE.findall(body_of(message))


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


class Outbox:
    """The .eml files written by the file mail backend."""

    def __init__(self, folder: Path):
        self.folder = folder

    def messages(self) -> list[EmailMessage]:
        if not self.folder.exists():
            return []
        return [
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages() if m["To"] == address]

    def last_link(self, address: str) -> str:
        messages = self.to(address)
        assert messages, f"no email to {address}"
        return path_of(links_in(messages[-1])[0])


class _Collector:
    """Keeps what it accepts. Faults on demand: `refusing` answers every message with a
    temporary error; `hold_after` makes the message after that many wait (the client hangs
    in the middle of sending) until `release` is set, then refuses it."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refusing = False
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            return "451 4.3.0 Try again later"
        if self.hold_after is not None and len(self.messages) >= self.hold_after:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class SmtpSink:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self, port: int):
        self.port = port
        self.collector = _Collector()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.collector.messages

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def smtp_settings(port: int) -> dict:
    """Settings that send mail to an SMTP server (an SmtpSink) on loopback at `port`."""
    return {
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_SECURITY": "none",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QueryCounter:
    """Counts the SQL statements an engine runs inside a `with` block."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(
            [
                s
                for s in self.statements
                if not s.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE"))
            ]
        )


def count_queries(app, action) -> int:
    from coop.extensions import db

    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        action()
    return counter.count


def post_counting_queries(app, client, path: str, data: dict):
    """POST `data` to `path`: the response and how many SQL statements it ran."""
    responses = []
    count = count_queries(app, lambda: responses.append(client.post(path, data=data)))
    return responses[0], count


def on_postgresql(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def make_topic(app, name: str = "Housing") -> int:
    from coop.ideas.models import Topic
    from coop.ideas.services import make_slug

    with app.app_context():
        topic = Topic(name=name, slug=make_slug(name, "topic"))
        db.session.add(topic)
        db.session.commit()
        return topic.id


def make_idea(
    app,
    author_email: str = "member@example.org",
    title: str = "Build more homes",
    body: str = "We need **affordable** homes.",
    topic_id: int | None = None,
) -> int:
    """An idea by an existing member (made with make_member); returns its id."""
    from coop.ideas.services import submit_idea

    with app.app_context():
        author = find_by_email(author_email)
        topic_id = topic_id or make_topic_if_missing()
        idea = submit_idea(author, title, body, topic_id)
        db.session.commit()
        return idea.id


def make_topic_if_missing() -> int:
    from sqlalchemy import select

    from coop.ideas.models import Topic

    topic_id = db.session.scalar(select(Topic.id).limit(1))
    if topic_id is None:
        topic = Topic(name="General", slug="general")
        db.session.add(topic)
        db.session.flush()
        topic_id = topic.id
    return topic_id


def make_proposal(
    app,
    organiser_email: str,
    question: str = "Should we do it?",
    opens_in: float = -1,
    closes_in: float = 24,
    idea_id: int | None = None,
    **options,
) -> int:
    """A proposal by an organiser, its window relative to now in hours; returns its id.
    A window already in the past is written directly, as if it had been set earlier."""
    from datetime import timedelta

    from coop.proposals.models import Proposal
    from coop.proposals.services import create_proposal
    from coop.uktime import utcnow

    now = utcnow()
    with app.app_context():
        organiser = find_by_email(organiser_email)
        proposal = create_proposal(
            organiser,
            question,
            options.pop("body", ""),
            now + timedelta(hours=opens_in),
            now + timedelta(hours=max(closes_in, 1)),
            options.pop("rule", "majority"),
            options.pop("quorum_percent", None),
            options.pop("visibility", "public"),
            idea_id=idea_id,
            now=now,
            electorate=options.pop("electorate", "supporters"),
        )
        if closes_in < 1:
            db.session.flush()
            db.session.execute(
                Proposal.__table__.update()
                .where(Proposal.id == proposal.id)
                .values(
                    opens_at=now + timedelta(hours=opens_in),
                    closes_at=now + timedelta(hours=closes_in),
                )
            )
        db.session.commit()
        return proposal.id


class SharedTemplateCache(BytecodeCache):
    """Compiled templates kept for the whole test process. Each test builds a new app, and
    so a new Jinja environment that would otherwise compile every template again."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


template_cache = SharedTemplateCache()


# Markdown and HTML that must not survive as markup or script anywhere members write.
ATTACKS = [
    "<script>alert('raw')</script>",
    "<style>body { display: none }</style>",
    '<img src="x" onerror="alert(1)">',
    '<p style="position:fixed" onclick="alert(1)">styled</p>',
    '<a href="javascript:alert(1)">raw link</a>',
    "[markdown link](javascript:alert(1))",
    "[mixed case](JaVaScRiPt:alert(1))",
    "[encoded](java&#115;cript:alert(1))",
    "[spaced]( javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "![image](javascript:alert(1))",
    '[titled](https://example.org "x\\" onmouseover=\\"alert(1)")',
]
