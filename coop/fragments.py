"""Parts of pages that are the same for every member in the same situation (the idea
list, a discussion as a member who wrote none of it reads it), or for one reader coming
back (a discussion with their own comments in it), kept like visitors' pages
(coop/cache.py) so that signed-in pages skip their queries and templates too.

A view asks `kept_fragment(key)` first and loads its data only when nothing is kept; the
template renders the part inside `{% call keep_fragment(key) %}...{% endcall %}`, which
keeps it. A form's CSRF token belongs to one session: it is kept as a placeholder and each
reader gets their own back.
"""

import hashlib

from flask import g
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from coop import cache, pagecache

TOKEN_SLOT = "coop-csrf-token-slot"  # noqa: S105 - a placeholder, not a secret


def fragment_key(name: str, *vary) -> str | None:
    """The key of a part of this page for readers alike in `vary`; None (nothing kept)
    when the cache is off. Keyed like whole pages, on what the page reads of the query."""
    if not cache.enabled():
        return None
    what = repr((name, pagecache.page_address(), vary)).encode()
    return "fragment:" + hashlib.sha256(what).hexdigest()


def kept_fragment(key: str | None) -> Markup | None:
    if key is None:
        return None
    generation, kept = cache.lookup(key)
    if generation is not None:
        _generations()[key] = generation
    if kept is None:
        return None
    if TOKEN_SLOT in kept:
        kept = kept.replace(TOKEN_SLOT, generate_csrf())
    return Markup(kept)  # noqa: S704 - our own rendered template, kept as it was


def keep_fragment(key: str | None, caller) -> Markup:
    """Template global, for a call block: renders the block and keeps it under `key`."""
    html = str(caller())
    generation = _generations().pop(key, None) if key else None
    if generation is not None and pagecache.reads_whole_query():
        token = g.get("csrf_token")  # Flask-WTF's token of this request, if a form used it
        cache.store(key, generation, html.replace(token, TOKEN_SLOT) if token else html)
    return Markup(html)  # noqa: S704 - the block's own output, already escaped


def _generations() -> dict:
    """Generations read at lookup, by key: a fragment is stored at the generation it was
    rendered from, so a change committed meanwhile makes it out of date at once."""
    if "fragment_generations" not in g:
        g.fragment_generations = {}
    return g.fragment_generations
