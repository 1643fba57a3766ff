"""Read what a database keeps at rest, below SQL, to prove a secret is not stored in the clear.

A SELECT only shows live rows. Deleted and overwritten rows survive in SQLite's WAL frames
and in PostgreSQL's dead heap tuples and WAL until vacuum, checkpoint and segment recycling
get to them, so these helpers read the files and pages themselves.

Where they stop: an occurrence counts as a stored value only when the storage format frames
exactly that word as a whole value (a length header of that exact length), so prose, JSON
and schema text that merely contain the word are not reported. SQLite cells freed without
secure_delete (Debian's build zeroes them) lose their record header to the free-block link
and are not recognised; their WAL copies are. PostgreSQL is assumed little-endian; TOAST
tables and the free space of heap pages are not read (short words are never toasted).
"""

import bisect
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

Layout = Literal["sqlite", "postgresql", "any"]
_LsnMap = list[tuple[int, int]]  # (offset in the bytes kept, LSN there), in order

_WAL_FLUSH_WAIT_SECONDS = 5.0  # the WAL writer flushes every wal_writer_delay (200 ms)
_SQLITE_MAX_COLUMNS = 128  # header entries examined either side of the value's serial type
_SQLITE_WINDOW = 65_536 + 1_024  # a record's body before the value fits in one page
# SQLite serial types 0-9: NULL, integers of 1, 2, 3, 4, 6, 8 bytes, a float, the constants 0 and 1
_SQLITE_FIXED_SIZES = (0, 1, 2, 3, 4, 6, 8, 8, 0, 0)


class RawFilesUnreadable(RuntimeError):
    """The database's files cannot be read from here (another user, host or container)."""


def sqlite_file_bytes(path: str | os.PathLike[str]) -> bytes:
    """The database file, then its -wal and -journal files when present, as stored on disk.

    Read as plain files: opening the database through sqlite3 could checkpoint the WAL and
    change what is being looked at. The WAL keeps every page version written since the last
    checkpoint, so rows deleted since then are still in it.
    """
    database = Path(path)
    raw = database.read_bytes()
    for suffix in ("-wal", "-journal"):
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            raw += companion.read_bytes()
    return raw


def stored_values_in_text(
    raw: bytes, words: Iterable[str], *, layout: Layout = "any"
) -> list[tuple[int, str]]:
    """Offsets where one of `words` (ASCII) is stored as a whole TEXT value, in offset order.

    Framing by printable neighbours is not enough: in SQLite a TEXT value's bytes sit between
    the previous column's bytes and the next column's, with its length in the record header.
    In the old votes row `choice` is preceded by 'A' (0x41, the serial type of the 26-character
    `cast_at`, or a member_id of 65) and followed by '2' (the year of `cast_at`). So a match
    needs the length header: in PostgreSQL the varlena header just before the word (1 byte,
    (len+1)<<1|1, e.g. 0x09 for 'for' and 0x11 for 'against'; or 4 bytes, (len+4)<<2); in
    SQLite a record header giving a column of serial type 13+2*len that starts exactly at the
    word. Pass the layout when it is known: bytes of one format can look like the other's.
    """
    framings = {"postgresql": [_after_varlena_header], "sqlite": [_in_sqlite_record]}
    checks = framings.get(layout, [_after_varlena_header, _in_sqlite_record])
    found: list[tuple[int, str]] = []
    for word in set(words):
        encoded = word.encode("ascii")
        for match in re.finditer(re.escape(encoded), raw):
            if any(check(raw, match.start(), len(encoded)) for check in checks):
                found.append((match.start(), word))
    return sorted(found)


def _after_varlena_header(raw: bytes, offset: int, length: int) -> bool:
    short = ((length + 1) << 1) | 1
    if offset >= 1 and length <= 126 and raw[offset - 1] == short:
        return True
    return offset >= 4 and raw[offset - 4 : offset] == ((length + 4) << 2).to_bytes(4, "little")


def _in_sqlite_record(raw: bytes, offset: int, length: int) -> bool:
    """Is there a record header whose column of serial type 13+2*length starts at offset?

    Found from the serial type byte back to the header-size varint, since varints end with a
    byte below 0x80 and so read unambiguously backwards as well as forwards.
    """
    serial_type = 13 + 2 * length
    if serial_type >= 0x80:
        return False  # a two-byte varint: not one of the short words this is for
    marker = bytes([serial_type])
    lowest = max(0, offset - _SQLITE_WINDOW)
    position = raw.rfind(marker, lowest, offset)
    while position != -1:
        if _header_places_value_at(raw, position, offset):
            return True
        position = raw.rfind(marker, lowest, position)
    return False


def _header_places_value_at(raw: bytes, type_at: int, offset: int) -> bool:
    # The serial types after this column's end the header: each is a possible body start.
    body_starts = set()
    cursor = type_at + 1
    for _ in range(_SQLITE_MAX_COLUMNS):
        if cursor > offset:
            break
        body_starts.add(cursor)
        parsed = _varint_at(raw, cursor, offset)
        if parsed is None or _sqlite_value_size(parsed[0]) is None:
            break
        cursor = parsed[1]
    # The serial types before it give the body bytes before the value, then the header size.
    before = 0
    end = type_at - 1
    for _ in range(_SQLITE_MAX_COLUMNS + 1):
        parsed = _varint_ending_at(raw, end)
        if parsed is None:
            return False
        value, start = parsed
        body_start = offset - before
        if body_start in body_starts and start + value == body_start:
            return True
        size = _sqlite_value_size(value)
        if size is None:
            return False
        before += size
        if offset - before <= type_at:
            return False
        end = start - 1
    return False


def _sqlite_value_size(serial_type: int) -> int | None:
    if serial_type >= 12:
        return (serial_type - 12) // 2
    if serial_type < len(_SQLITE_FIXED_SIZES):
        return _SQLITE_FIXED_SIZES[serial_type]
    return None  # 10 and 11 are reserved


def _varint_at(raw: bytes, start: int, limit: int) -> tuple[int, int] | None:
    """SQLite's big-endian varint at start: (value, index after it), if it ends before limit."""
    value = 0
    for index in range(start, min(start + 9, limit)):
        byte = raw[index]
        if index == start + 8:
            return (value << 8) | byte, index + 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, index + 1
    return None


def _varint_ending_at(raw: bytes, end: int) -> tuple[int, int] | None:
    """The varint whose last byte is at end: (value, index of its first byte)."""
    if end < 0 or raw[end] >= 0x80:
        return None
    start = end
    while start > 0 and raw[start - 1] >= 0x80 and end - start < 7:
        start -= 1
    parsed = _varint_at(raw, start, end + 1)
    if parsed is None or parsed[1] != end + 1:
        return None
    return parsed[0], start


_HEAP_VARLENA_VALUES = sa.text(
    """
    SELECT c.relname, a.value
    FROM pg_class AS c
    CROSS JOIN LATERAL generate_series(
        0, pg_relation_size(c.oid) / current_setting('block_size')::bigint - 1) AS block
    CROSS JOIN LATERAL heap_page_items(get_raw_page(c.oid::regclass::text, block::int)) AS t
    CROSS JOIN LATERAL unnest(
        tuple_data_split(c.oid, t.t_data, t.t_infomask, t.t_infomask2, t.t_bits)
    ) WITH ORDINALITY AS a(value, attnum)
    JOIN pg_attribute AS att ON att.attrelid = c.oid AND att.attnum = a.attnum
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
      AND t.t_data IS NOT NULL AND att.attlen = -1 AND length(a.value) <= :longest
    ORDER BY c.relname, block, t.lp, a.attnum
    """
)

_INDEX_PAGES = sa.text(
    """
    SELECT c.relname, get_raw_page(c.oid::regclass::text, block::int)
    FROM pg_class AS c
    CROSS JOIN LATERAL generate_series(
        0, pg_relation_size(c.oid) / current_setting('block_size')::bigint - 1) AS block
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'i'
    ORDER BY c.relname, block
    """
)


def pg_stored_values(connection: sa.Connection, words: Iterable[str]) -> list[tuple[str, str]]:
    """(relation, word) for every stored value in the public schema that is exactly a word.

    Reads the heap pages with pageinspect, so dead tuples (deleted or updated rows not yet
    vacuumed) count as much as live ones, and so do dropped columns, whose bytes stay in the
    old tuples. Only variable-length attributes are compared (an int4 can spell 'for').
    Index pages are scanned as raw bytes, since an index on a column copies its values.
    Needs a superuser (pageinspect).
    """
    wanted = set(words)
    longest = max((len(word) for word in wanted), default=0) + 4
    connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    found = []
    for relation, value in connection.execute(_HEAP_VARLENA_VALUES, {"longest": longest}):
        text = _varlena_payload(bytes(value))
        if text is not None and text.decode("ascii", "replace") in wanted:
            found.append((relation, text.decode("ascii")))
    for relation, page in connection.execute(_INDEX_PAGES):
        found.extend(
            (relation, word)
            for _, word in stored_values_in_text(bytes(page), wanted, layout="postgresql")
        )
    return found


def _varlena_payload(value: bytes) -> bytes | None:
    """The bytes after a varlena header, or None when the value is toasted or compressed."""
    if not value:
        return None
    first = value[0]
    if first & 0x01:
        if first == 0x01:
            return None  # a TOAST pointer
        return value[1 : first >> 1]
    header = int.from_bytes(value[:4], "little")
    if header & 0x03:
        return None  # compressed inline
    return value[4 : header >> 2]


def pg_wal_position(connection: sa.Connection) -> str:
    """The current WAL insert position ('0/1A2B3C4D'): take one before writing, one after."""
    return connection.execute(sa.text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one()


def pg_wal_bytes(connection: sa.Connection, start_lsn: str, end_lsn: str) -> bytes:
    """The raw WAL between two positions, read from the segment files in pg_wal.

    The WAL holds every row version written, whatever happened to the row since, until the
    segment is recycled. Waits (briefly) for the range to be flushed; needs a superuser and
    the server's files on this machine, readable by this user (root or postgres).
    """
    start, end = _lsn(start_lsn), _lsn(end_lsn)
    if end < start:
        raise ValueError(f"WAL range ends before it starts: {start_lsn} to {end_lsn}")
    _wait_for_flush(connection, end)
    data_dir, segment_size, timeline = connection.execute(
        sa.text(
            "SELECT current_setting('data_directory'), "
            "(SELECT bytes_per_wal_segment FROM pg_control_init()), "
            "substr(pg_walfile_name(CAST(:lsn AS pg_lsn)), 1, 8)"
        ),
        {"lsn": start_lsn},
    ).one()
    segments_per_id = 0x1_0000_0000 // segment_size
    chunks = []
    position = start
    while position < end:
        segment, offset = divmod(position, segment_size)
        name = f"{timeline}{segment // segments_per_id:08X}{segment % segments_per_id:08X}"
        length = min(end - position, segment_size - offset)
        chunks.append(_read_exactly(Path(data_dir) / "pg_wal" / name, offset, length))
        position += length
    return b"".join(chunks)


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def _wait_for_flush(connection: sa.Connection, end: int) -> None:
    deadline = time.monotonic() + _WAL_FLUSH_WAIT_SECONDS
    query = sa.text("SELECT pg_current_wal_flush_lsn()::text")
    while _lsn(connection.execute(query).scalar_one()) < end:
        if time.monotonic() > deadline:
            raise TimeoutError(f"WAL not flushed up to {end:X} in {_WAL_FLUSH_WAIT_SECONDS} s")
        time.sleep(0.05)


def _read_exactly(path: Path, offset: int, length: int) -> bytes:
    try:
        with path.open("rb") as segment:
            segment.seek(offset)
            chunk = segment.read(length)
    except OSError as error:
        raise RawFilesUnreadable(
            f"cannot read the WAL segment {path} ({error}); run as root or as the server's "
            "user, on the machine the server runs on"
        ) from error
    if len(chunk) != length:
        raise RawFilesUnreadable(f"WAL segment {path} is shorter than expected (recycled?)")
    return chunk


def pg_wal_stored_values(
    connection: sa.Connection, start_lsn: str, end_lsn: str, words: Iterable[str]
) -> list[tuple[str, str]]:
    """(LSN, word) for each of `words` stored as a value in WAL records of this database.

    The WAL is shared by the whole cluster, so values written by tests running at the same
    time in other databases would show up in pg_wal_bytes; records that name a relation of
    another database are left out here (pg_waldump tells which). WAL page headers are cut
    out first, so a value split by a page boundary is still found.
    """
    raw = pg_wal_bytes(connection, start_lsn, end_lsn)
    start = _lsn(start_lsn)
    data_dir, database, page_size = connection.execute(
        sa.text(
            "SELECT current_setting('data_directory'), "
            "(SELECT oid FROM pg_database WHERE datname = current_database()), "
            "current_setting('wal_block_size')::int"
        )
    ).one()
    stitched, parts = _without_page_headers(raw, start, page_size)
    records = _record_databases(pg_waldump_records(data_dir, start_lsn, end_lsn))
    record_starts = [record_start for record_start, _ in records]
    found = []
    for offset, word in stored_values_in_text(stitched, words, layout="postgresql"):
        lsn = _lsn_of(parts, offset)
        index = bisect.bisect_right(record_starts, lsn) - 1
        databases = records[index][1] if index >= 0 else set()
        if not databases or database in databases:
            found.append((f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}", word))
    return found


def _without_page_headers(raw: bytes, start: int, page_size: int) -> tuple[bytes, _LsnMap]:
    """The WAL bytes without page headers, and where each kept page part starts (offset, LSN)."""
    kept = bytearray()
    parts: _LsnMap = []
    offset = 0
    while offset < len(raw):
        lsn = start + offset
        if lsn % page_size == 0 and offset + 4 <= len(raw):
            long_header = int.from_bytes(raw[offset + 2 : offset + 4], "little") & 0x0002
            offset += 40 if long_header else 24  # MAXALIGNed XLogLongPageHeader / XLogPageHeader
            continue
        until = min(len(raw), offset + page_size - lsn % page_size)
        parts.append((len(kept), lsn))
        kept += raw[offset:until]
        offset = until
    return bytes(kept), parts


def _lsn_of(parts: _LsnMap, offset: int) -> int:
    part_offset, part_lsn = parts[bisect.bisect_right(parts, (offset, 1 << 64)) - 1]
    return part_lsn + offset - part_offset


_WALDUMP_LSN = re.compile(r"lsn: ([0-9A-F]+/[0-9A-F]+)")
_WALDUMP_RELATION = re.compile(r"rel \d+/(\d+)/\d+")


def _record_databases(listing: str) -> list[tuple[int, set[int]]]:
    """(start LSN, databases of the relations it names) for each record of a pg_waldump listing."""
    records = []
    for line in listing.splitlines():
        lsn = _WALDUMP_LSN.search(line)
        if lsn is not None:
            databases = {int(oid) for oid in _WALDUMP_RELATION.findall(line)}
            records.append((_lsn(lsn.group(1)), databases))
    return records


def pg_waldump_records(data_dir: str | os.PathLike[str], start: str, end: str) -> str:
    """pg_waldump's listing of the WAL records in [start, end): each names the relation it
    touches (rel tablespace/database/relfilenode), so a test can tell which tables were written.
    Uses the pg_waldump of the server's major version (its WAL format), from PG_VERSION."""
    wal_dir = Path(data_dir) / "pg_wal"
    result = subprocess.run(
        [_pg_waldump(Path(data_dir)), "--path", str(wal_dir), "--start", start, "--end", end],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RawFilesUnreadable(f"pg_waldump failed: {result.stderr.strip()}")
    return result.stdout


def _pg_waldump(data_dir: Path) -> str:
    try:
        version = (data_dir / "PG_VERSION").read_text().strip()
    except OSError as error:
        raise RawFilesUnreadable(f"cannot read {data_dir}/PG_VERSION: {error}") from error
    versioned = f"/usr/lib/postgresql/{version}/bin/pg_waldump"  # Debian's layout
    found = versioned if os.access(versioned, os.X_OK) else shutil.which("pg_waldump")
    if found is None:
        raise RawFilesUnreadable(f"no pg_waldump for PostgreSQL {version} found")
    return found
