"""Meeting documents on disk: checked to be PDFs, size-limited, stored under random names in
COOP_MEETING_DOCUMENTS_DIR (never under static/, so nothing serves them but the view that
checks who is asking)."""

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from coop.errors import Invalid
from coop.meetings.models import FILENAME_MAX

PDF_MAGIC = b"%PDF-"
CHUNK = 64 * 1024
STORED_NAME = re.compile(r"[0-9a-f]{32}\.pdf")


@dataclass(frozen=True)
class Stored:
    name: str
    size: int
    sha256: str


def folder() -> Path:
    configured = current_app.config.get("COOP_MEETING_DOCUMENTS_DIR")
    return Path(configured or Path(current_app.config["INSTANCE_DIR"]) / "meeting-documents")


def store(stream, limit: int, field: str) -> Stored:
    """Copy an upload to the folder, refusing anything but a PDF of at most `limit` bytes.
    The file is written before the transaction commits; a rollback after it leaves an
    unreferenced file under a random name, which nothing serves."""
    first = stream.read(len(PDF_MAGIC)) if stream is not None else b""
    if not first:
        raise Invalid("Choose a PDF file to upload.", field)
    if first != PDF_MAGIC:
        raise Invalid("The file is not a PDF. Upload the document as a PDF.", field)
    target = folder()
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{secrets.token_hex(16)}.pdf"
    path = target / name
    digest, size = hashlib.sha256(first), len(first)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(first)
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Invalid(
                        f"The file must be {limit // (1024 * 1024)} MB or smaller.", field
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Stored(name, size, digest.hexdigest())


def path_of(stored_name: str) -> Path | None:
    if not STORED_NAME.fullmatch(stored_name):
        return None
    path = folder() / stored_name
    return path if path.is_file() else None


def safe_filename(name: str | None) -> str:
    """The name a member's browser saves the file as: letters, digits, dots, hyphens and
    underscores only, no folder, ending .pdf."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-_")
    stem = re.sub(r"\.pdf$", "", text, flags=re.IGNORECASE).strip(".-_")
    stem = stem[: FILENAME_MAX - 4] or "document"
    return f"{stem}.pdf"


def _size(limit: int) -> str:
    mib = 1024 * 1024
    return f"{limit / mib:g} MB" if limit >= mib else f"{limit:,} bytes"
