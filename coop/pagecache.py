"""Whole public pages as visitors see them, kept (coop/cache.py) and served without the
view running: no SQL, no templates.

A visitor with no session of ours gets the same bytes as every other visitor, so the
response to a GET of a public page (the list below) is kept. It is never used for anyone
signed in or carrying a session (a page may hold their CSRF token), and a response that
sets a cookie is never kept. Responses carry an ETag, so browsers revalidate with a 304.
"""

import hashlib
from urllib.parse import urlencode

from flask import Response, current_app, g, request

from coop import cache

# Each kept page and the query parameters its view reads: keep in step with the views.
LIST = ("page", "q", "sort", "stage", "topic")
CACHEABLE: dict[str, tuple[str, ...]] = {
    "site.home": (), "ideas.index": LIST, "ideas.show": ("comments_page",),
    "proposals.index": (), "proposals.show": ("comments_page",), "updates.index": ("page",),
    "updates.show": (), "common_ground.explainer": (), "privacy.notice": (),
}  # fmt: skip
# The same for everyone, cookies or not. The API answers any parameter it does not read
# with a 400 (never kept), so all of its parameters count; the feeds read none.
EVERY_PARAMETER = None
CACHEABLE_BLUEPRINTS: dict[str, tuple[str, ...] | None] = {"api": EVERY_PARAMETER, "feeds": ()}
NOT_KEPT = {"Set-Cookie", "Content-Length", "Date", "Vary"}


def is_visitor() -> bool:
    """No session or "remember me" cookie of ours: a reader like any other."""
    config = current_app.config
    cookies = request.cookies
    return config["SESSION_COOKIE_NAME"] not in cookies and (
        config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies
    )


def _is_cacheable() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return False
    if request.endpoint not in CACHEABLE and request.blueprint not in CACHEABLE_BLUEPRINTS:
        return False
    return is_visitor()


def _parameters_read() -> tuple[str, ...] | None:
    if request.endpoint in CACHEABLE:
        return CACHEABLE[request.endpoint]
    return CACHEABLE_BLUEPRINTS.get(request.blueprint or "", ())


def page_address() -> str:
    """Host, path and the parameters the page reads, normalised: what its key is made of.
    The host too: a page built for one Host header is never served for another."""
    names = _parameters_read()
    args = request.args
    if names is EVERY_PARAMETER:
        query = sorted(args.items(multi=True))
    else:
        query = [(name, args[name]) for name in names if name in args]
    return f"{request.host}|{request.path}?{urlencode(query)}"


def reads_whole_query() -> bool:
    """Whether the page's view reads every parameter given, once each: only such a request
    leaves a kept page or fragment for others."""
    names = _parameters_read()
    if names is EVERY_PARAMETER:
        return True
    return all(name in names and len(request.args.getlist(name)) == 1 for name in request.args)


def _key() -> str:
    return "page:" + hashlib.sha256(page_address().encode()).hexdigest()


def serve_kept_page() -> Response | None:
    if not _is_cacheable():
        return None
    key = _key()
    generation, kept = cache.lookup(key)
    if generation is None:
        return None
    if kept is None:
        if reads_whole_query():
            g.page_to_keep = (key, generation)
        return None
    status, headers, body = kept
    response = current_app.response_class(body, status=status, headers=headers)
    return response.make_conditional(request)


def keep_page(response: Response) -> Response:
    found = g.pop("page_to_keep", None)
    if not found or response.status_code != 200 or response.direct_passthrough:
        return response
    if "Set-Cookie" in response.headers:
        return response
    response.add_etag()
    response.headers.setdefault("Cache-Control", "no-cache")
    key, generation = found
    headers = [(k, v) for k, v in response.headers.items() if k not in NOT_KEPT]
    cache.store(key, generation, (response.status_code, headers, response.get_data()))
    return response.make_conditional(request)
