"""Where a vote's private key lives while the vote is open: one file per vote in
BALLOT_KEY_DIR, outside the database, so that no row, WAL record, replica or database
backup ever holds it. It is written when the vote is created and destroyed once the total
has been decrypted (or the vote withdrawn); from then on nobody can decrypt any ballot of
that vote, from any copy of the database, whoever they are.

Against whom this holds, and where it stops (README, "Secret ballots"): someone who holds
the database, its backups and the app's configuration learns nothing of any ballot. Someone
who also copies this folder while a vote is open (root on the server) could decrypt that
vote's ballots: keep the folder out of backups and on an encrypted disk. Deleting a file
does not wipe every copy on flash storage or in a file-system snapshot; the file is
overwritten before it is removed, which is what can be done from here.
"""

import logging
import os
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


class KeyMissing(RuntimeError):
    """The key of an open vote is not where it should be: the vote cannot be counted."""


def _folder() -> Path:
    folder = Path(current_app.config["BALLOT_KEY_DIR"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(public: bytes) -> Path:
    return _folder() / f"{public.hex()}.key"


def store(public: bytes, secret: bytes) -> None:
    """Write the key durably (it is needed at closing, after any restart) and privately."""
    path = _path(public)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, secret)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    temporary.replace(path)
    _sync_folder(path.parent)


def load(public: bytes) -> bytes:
    try:
        return _path(public).read_bytes()
    except FileNotFoundError:
        raise KeyMissing(f"no key file for the vote with public key {public.hex()}") from None


def destroy(public: bytes) -> None:
    """Overwrite, then remove. Safe to call twice."""
    path = _path(public)
    try:
        descriptor = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        os.write(descriptor, bytes(os.fstat(descriptor).st_size))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    path.unlink(missing_ok=True)
    _sync_folder(path.parent)
    log.info("Destroyed the key of a counted or withdrawn vote")


def exists(public: bytes) -> bool:
    return _path(public).exists()


def stored() -> list[bytes]:
    """The public keys of every key file in the folder."""
    found = []
    for path in _folder().glob("*.key"):
        try:
            found.append(bytes.fromhex(path.stem))
        except ValueError:
            continue
    return found


def older_than(public: bytes, age: timedelta) -> bool:
    try:
        modified = _path(public).stat().st_mtime
    except FileNotFoundError:
        return False
    return time.time() - modified > age.total_seconds()


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
