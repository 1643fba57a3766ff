"""Helpers shared by the tests: forms with their CSRF token, members, the outbox, SMTP."""

import re
import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from coop.accounts.models import Member, Role
from coop.accounts.services import create_verified_member, find_by_email
from coop.extensions import db

PASSWORD = "correct horse battery staple"
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
        if not verified:
            member.email_verified_at = None
        db.session.commit()
        db.session.refresh(member)
        db.session.expunge(member)
        return member


def load_member(app, email: str) -> Member | None:
    with app.app_context():
        member = find_by_email(email)
        if member is not None:
            db.session.expunge(member)
        return member


def sign_in(client, email: str = "member@example.org", password: str = PASSWORD, **extra):
    data = {"email": email, "password": password, **extra}
    return submit(client, "/sign-in", data)


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
    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
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
