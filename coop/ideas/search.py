"""Full-text search over idea titles and bodies.

PostgreSQL: a column search_vector = to_tsvector('english', title || ' ' || body), kept by a
trigger, with a GIN index, queried with websearch_to_tsquery (migration 0009; before it, an
index on the expression, whose every row checked outside the index cost a to_tsvector call). SQLite
(embedded default): an FTS5 table kept in step by triggers (migration 0001). Both live
outside the models, so the schema check skips them.
"""

import re

from sqlalchemy import ColumnElement, text

from coop.db import dialects

FTS_TABLE = "ideas_fts"
PG_INDEX = "ix_ideas_search"
PG_COLUMN = "search_vector"
_WORD = re.compile(r"\w+", re.UNICODE)


def matches(query: str) -> ColumnElement[bool]:
    if dialects.has_tsvector_search():
        return text(
            "ideas.search_vector @@ websearch_to_tsquery('english', :search_query)"
        ).bindparams(search_query=query)
    words = _WORD.findall(query)
    fts_query = " ".join(f'"{word}"*' for word in words[:20]) or '""'
    return text(
        "ideas.id IN (SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH :search_query)"
    ).bindparams(search_query=fts_query)


def include_in_schema_check(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic: leave the search structures that live outside the models alone."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name == PG_COLUMN:
        return False
    return not (type_ == "index" and name == PG_INDEX)
