import re

from tests.support import make_member, sign_in


def test_every_response_carries_strict_security_headers(client):
    for path in ("/", "/sign-in", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style_and_nothing_from_other_sites(client):
    for path in ("/", "/join", "/sign-in", "/privacy"):
        html = client.get(path).get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.DOTALL)
        assert scripts == [""]  # one script, ours, with no inline code
        assert '<script src="/static/enhance.js" defer></script>' in html
        assert "style=" not in html
        assert "<style" not in html
        assert "http://" not in html.replace("http://localhost", "")
        assert "https://" not in html


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    make_member(app)
    response = sign_in(client)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_signed_in_pages_are_not_cached(app, client):
    make_member(app)
    sign_in(client)
    assert "no-store" in client.get("/account").headers["Cache-Control"]


def test_production_cookies_are_secure_and_host_only():
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_NAME.startswith("__Host-")
    assert ProductionConfig.REMEMBER_COOKIE_NAME.startswith("__Host-")
