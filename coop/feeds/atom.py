"""Atom 1.0 documents (RFC 4287) built with ElementTree: the serialiser escapes every title
and content, so a feed is well-formed whatever members type."""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

from coop.uktime import iso

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
# Characters XML 1.0 cannot carry at all, even escaped (control characters, lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    author: str
    content_html: str
    category: tuple[str, str] | None = None  # (term, label)


@dataclass(frozen=True)
class Feed:
    self_url: str
    alternate_url: str
    base_url: str
    title: str
    subtitle: str
    author: str
    entries: list[Entry] = field(default_factory=list)
    # With no entry, `updated` must still be a fixed time, or every request is "modified".
    updated_when_empty: datetime = datetime(1970, 1, 1, tzinfo=UTC)

    @property
    def updated(self) -> datetime:
        return max((entry.updated for entry in self.entries), default=self.updated_when_empty)


def render(feed: Feed) -> bytes:
    root = ET.Element("feed", {"xmlns": ATOM_NS, XML_BASE: feed.base_url})
    _text(root, "id", feed.self_url)
    _text(root, "title", feed.title)
    _text(root, "subtitle", feed.subtitle)
    _text(root, "updated", iso(feed.updated))
    _link(root, "self", feed.self_url, "application/atom+xml")
    _link(root, "alternate", feed.alternate_url, "text/html")
    _text(ET.SubElement(root, "author"), "name", feed.author)
    for entry in feed.entries:
        _entry(root, entry)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _entry(root: ET.Element, entry: Entry) -> None:
    element = ET.SubElement(root, "entry")
    _text(element, "id", entry.id)
    _text(element, "title", entry.title)
    _text(element, "published", iso(entry.published))
    _text(element, "updated", iso(entry.updated))
    _link(element, "alternate", entry.link, "text/html")
    _text(ET.SubElement(element, "author"), "name", entry.author)
    if entry.category is not None:
        term, label = entry.category
        ET.SubElement(element, "category", term=_clean(term), label=_clean(label))
    _text(element, "content", entry.content_html, type="html")


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> None:
    ET.SubElement(parent, tag, attributes).text = _clean(text)


def _link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    ET.SubElement(parent, "link", rel=rel, type=media_type, href=href)


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)
