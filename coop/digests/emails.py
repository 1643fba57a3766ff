"""Turn one member's digest content into a multipart email with RFC 8058 unsubscribe."""

from email.message import Message
from urllib.parse import urlsplit

from flask import current_app

from coop.accounts.models import Member
from coop.digests.content import DigestContent
from coop.digests.models import Digest
from coop.extensions import utcnow
from coop.mail.services import compose
from coop.security import make_token
from coop.web import absolute_url

UNSUBSCRIBE_PURPOSE = "digest-unsubscribe"


def unsubscribe_token(member: Member) -> str:
    return make_token(UNSUBSCRIBE_PURPOSE, {"m": member.id})


def subject(digest: Digest, content: DigestContent) -> str:
    kind = "daily" if digest.frequency == "daily" else "weekly"
    waiting = len(content.open_proposals) + len(content.closing_soon)
    if waiting:
        votes = "1 vote needs you" if waiting == 1 else f"{waiting} votes need you"
        return f"Your {kind} digest: {votes}"
    return f"Your {kind} digest from {current_app.config['SITE_NAME']}"


def digest_message(member: Member, digest: Digest, content: DigestContent) -> Message:
    unsubscribe = absolute_url("digests.unsubscribe", token=unsubscribe_token(member))
    context = {
        "member": member,
        "digest": digest,
        "content": content,
        "site_name": current_app.config["SITE_NAME"],
        "link": absolute_url,
        "unsubscribe_url": unsubscribe,
        "settings_url": absolute_url("accounts.account"),
    }
    templates = current_app.jinja_env
    text = templates.get_template("digests/email.txt").render(context)
    html = templates.get_template("digests/email.html").render(context)
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return compose(
        member.email,
        subject(digest, content),
        text,
        html,
        utcnow(),
        f"<digest-{digest.id}@{domain}>",  # the same digest always has the same id
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{kind_label(digest)} <digest.{domain}>",
            "Precedence": "bulk",
        },
    )


def kind_label(digest: Digest) -> str:
    return "Daily digest" if digest.frequency == "daily" else "Weekly digest"
