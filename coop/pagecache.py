"""Whole public pages as visitors see them, kept (coop/cache.py) and served without the
view running: no SQL, no templates.

A visitor with no session of ours gets the same bytes as every other visitor, so the
response to a GET of a public page (the list below) is kept. It is never used for anyone
signed in or carrying a session (a page may hold their CSRF token), and a response that
sets a cookie is never kept. Responses carry an ETag, so browsers revalidate with a 304.
"""

import hashlib

from flask import Flask, Response, current_app, g, request

from coop import cache

CACHEABLE = {
    "site.home", "ideas.index", "ideas.show", "proposals.index", "proposals.show",
    "updates.index", "updates.show", "common_ground.explainer", "privacy.notice",
}  # fmt: skip
CACHEABLE_BLUEPRINTS = {"api", "feeds"}  # the same for everyone, cookies or not
NOT_KEPT = {"Set-Cookie", "Content-Length", "Date", "Vary"}


def register_page_cache(app: Flask) -> None:
    cache.register_cache(app)
    if "coop.cache" in app.extensions:
        app.before_request(serve_kept_page)
        app.after_request(_keep_page)


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


def _key() -> str:
    # The host too: a page built for one Host header is never served for another.
    what = f"{request.host}|{request.full_path}".encode()
    return "page:" + hashlib.sha256(what).hexdigest()


def serve_kept_page() -> Response | None:
    if not _is_cacheable():
        return None
    key = _key()
    generation, kept = cache.lookup(key)
    if generation is None:
        return None
    if kept is None:
        g.page_to_keep = (key, generation)
        return None
    status, headers, body = kept
    response = current_app.response_class(body, status=status, headers=headers)
    return response.make_conditional(request)


def _keep_page(response: Response) -> Response:
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
