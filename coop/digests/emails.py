"""Turn members' digest contents into multipart emails with RFC 8058 unsubscribe.

A batch's emails come from one `DigestWriter`: each link is built once, on one URL
adapter, and each section that members share (the same open votes, results, new ideas or
updates) is rendered once; a member's digest then only fills in what is theirs. Rendering
and links were a third of a worker's time before (profiled on the digest benchmark)."""

from collections.abc import Sequence
from email.message import Message
from urllib.parse import urlsplit

from flask import current_app
from jinja2 import Environment

from coop.accounts.models import Member
from coop.digests.content import DigestContent
from coop.digests.models import Digest
from coop.mail.services import compose
from coop.security import token_serializer
from coop.uktime import utcnow
from coop.web import url_adapter

UNSUBSCRIBE_PURPOSE = "digest-unsubscribe"


class DigestWriter:
    def __init__(self) -> None:
        config = current_app.config
        self.site_name = config["SITE_NAME"]
        self.domain = urlsplit(config["BASE_URL"]).hostname or "localhost"
        self.link = _Links()
        self.tokens = token_serializer(UNSUBSCRIBE_PURPOSE)
        self.parts = [_Part(current_app.jinja_env, kind, self.link) for kind in ("txt", "html")]

    def unsubscribe_url(self, member: Member) -> str:
        token = self.tokens.dumps({"m": member.id})
        return url_adapter().build("digests.unsubscribe", {"token": token}, force_external=True)

    def message(self, member: Member, digest: Digest, content: DigestContent) -> Message:
        unsubscribe = self.unsubscribe_url(member)
        context = {
            "member": member,
            "digest": digest,
            "content": content,
            "site_name": self.site_name,
            "unsubscribe_url": unsubscribe,
            "settings_url": self.link("accounts.account"),
        }
        text, html = (part.render(context) for part in self.parts)
        return compose(
            member.email,
            subject(digest, content, self.site_name),
            text,
            html,
            utcnow(),
            f"<digest-{digest.id}@{self.domain}>",  # the same digest always has the same id
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"{kind_label(digest)} <digest.{self.domain}>",
                "Precedence": "bulk",
            },
        )


class _Links:
    """Absolute links on BASE_URL, each built once."""

    def __init__(self) -> None:
        self.adapter = url_adapter()
        self.built: dict[tuple, str] = {}

    def __call__(self, endpoint: str, **values) -> str:
        key = (endpoint, *sorted(values.items()))
        url = self.built.get(key)
        if url is None:
            url = self.built[key] = self.adapter.build(endpoint, values, force_external=True)
        return url


class _Part:
    """The text or HTML part: its template, and its shared sections rendered so far."""

    def __init__(self, templates: Environment, kind: str, link: _Links) -> None:
        self.template = templates.get_template(f"digests/email.{kind}")
        self.sections = templates.get_template(f"digests/_sections.{kind}").make_module(
            {"link": link}
        )
        self.rendered: dict[tuple, str] = {}

    def section(self, name: str, items: Sequence) -> str:
        key = (name, *(item.id for item in items))
        found = self.rendered.get(key)
        if found is None:
            found = self.rendered[key] = getattr(self.sections, name)(items)
        return found

    def render(self, context: dict) -> str:
        return self.template.render(context, section=self.section, replies=self.sections.replies)


def subject(digest: Digest, content: DigestContent, site_name: str) -> str:
    kind = "daily" if digest.frequency == "daily" else "weekly"
    waiting = len(content.open_proposals) + len(content.closing_soon)
    if waiting:
        votes = "1 vote needs you" if waiting == 1 else f"{waiting} votes need you"
        return f"Your {kind} digest: {votes}"
    return f"Your {kind} digest from {site_name}"


def kind_label(digest: Digest) -> str:
    return "Daily digest" if digest.frequency == "daily" else "Weekly digest"
