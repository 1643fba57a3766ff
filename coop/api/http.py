"""HTTP behaviour of every response under /api/: no cookies read or set, CORS open for
GET, caching by anyone for a minute, and weak ETags answered with 304.

The API answers everyone alike, whoever is signed in on the site: the requests' cookies are
removed before the app sees them. So no session is loaded, renewed or ended by an API call,
no privacy-notice redirect or idle sign-out applies, nothing varies on cookies, and a shared
cache may keep any response."""

from flask import Response, request

PREFIX = "/api/"
MAX_AGE_SECONDS = 60
PREFLIGHT_MAX_AGE_SECONDS = 86_400
EXPOSED_HEADERS = "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"


def is_api_path(path: str) -> bool:
    return path.startswith(PREFIX)


class WithoutCookies:
    """WSGI middleware: requests under /api/ reach the app without their Cookie header, and
    their responses leave without Set-Cookie or `Vary: Cookie` (Flask adds the latter when
    anything, such as the sign-in check, looked at the empty session)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if not is_api_path(environ.get("PATH_INFO", "")):
            return self.wsgi_app(environ, start_response)
        environ = {key: value for key, value in environ.items() if key != "HTTP_COOKIE"}

        def start_without_cookies(status, headers, exc_info=None):
            return start_response(status, _without_cookies(headers), exc_info)

        return self.wsgi_app(environ, start_without_cookies)


def _without_cookies(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept = []
    for name, value in headers:
        if name.lower() == "set-cookie":
            continue
        if name.lower() == "vary":
            value = ", ".join(v.strip() for v in value.split(",") if v.strip().lower() != "cookie")
            if not value:
                continue
        kept.append((name, value))
    return kept


def api_headers(response: Response) -> Response:
    if not is_api_path(request.path):
        return response
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    _rate_limit_headers(headers)
    if request.method == "OPTIONS" and response.status_code == 200:
        return _preflight(response)
    if request.method in {"GET", "HEAD"} and response.status_code == 200:
        headers["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
        response.add_etag(weak=True)
        return response.make_conditional(request)
    headers["Cache-Control"] = "no-store"
    return response


def _rate_limit_headers(headers) -> None:
    """How much of the API's limit this address has left (Flask-Limiter's own headers are
    off for the site, whose forms have no use for them)."""
    from coop.extensions import limiter

    current = limiter.current_limit
    if current is not None:
        headers["X-RateLimit-Limit"] = str(current.limit.amount)
        headers["X-RateLimit-Remaining"] = str(current.remaining)
        headers["X-RateLimit-Reset"] = str(int(current.reset_at))


def _preflight(response: Response) -> Response:
    """A CORS preflight: only GET (and so HEAD) may be sent from another origin."""
    response.status_code = 204
    response.set_data(b"")
    response.headers.remove("Content-Type")
    response.headers["Access-Control-Allow-Methods"] = "GET"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    return response
