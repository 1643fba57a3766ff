"""Real browser journeys: Debian's Chromium driven by Playwright against a live server.

Chromium comes from the `chromium` Debian package (.ci/run installs it); Playwright's own
browser download does not work on this network. Screenshots go to artifacts/screenshots/.
"""

import os
import threading
import uuid
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import IN_CI, TEST_DB
from tests.support import PASSWORD, TOTP_SECRET, free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def pytest_collection_modifyitems(config, items):
    """The journeys run once, in the SQLite pass of `make test`: they drive the interface,
    which is the same on both databases (every service and query runs on both in the rest of
    the suite), and a second pass would add minutes for nothing."""
    if TEST_DB != "postgresql":
        return
    once = pytest.mark.skip(reason="browser journeys run once, in the SQLite pass")
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(once)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        message = f"axe-core not installed at {AXE} (npm ci)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return AXE.read_text()


def new_page_without_csp(browser, viewport: dict):
    # The strict CSP forbids injected scripts: only an axe checker's context bypasses it.
    context = browser.new_context(viewport=viewport, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def violations(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


class LiveServer:
    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app.config["BASE_URL"] = self.url
        self.app = app
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def app(app_factory, redis_url):
    """As in production, visitors' pages are kept in Redis (coop/pagecache.py): every
    journey also checks that what visitors see follows each change made in it."""
    return app_factory(
        PAGE_CACHE_SECONDS=120,
        REDIS_URL=redis_url,
        PAGE_CACHE_BACKEND={"CACHE_KEY_PREFIX": f"coop-pages-browser-{uuid.uuid4().hex}:"},
    )


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture(params=["desktop", "phone"])
def page(request, browser):
    viewport = PHONE if request.param == "phone" else DESKTOP
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.default_timeout = TIMEOUT_MS
    page.viewport_name = request.param
    page.others = []  # other people's browsers in the same test (new_page)
    yield page
    for other in page.others:
        other.close()
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-{page.viewport_name}.png", full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def new_page(browser, page):
    """Another person's browser, the same size as `page`."""
    context = browser.new_context(viewport=page.viewport_size, locale="en-GB")
    context.set_default_timeout(page.default_timeout)
    page.others.append(context)
    other = context.new_page()
    other.viewport_name = page.viewport_name
    return other


def signed_in_page(browser, page, live_server, email: str):
    """Another person's browser, signed in (with the two-step code for organisers)."""
    from playwright.sync_api import expect

    other = new_page(browser, page)
    other.goto(live_server.url + "/sign-in")
    other.get_by_label("Email address").fill(email)
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    if other.url.endswith("/sign-in/code"):
        import pyotp

        other.get_by_label("Code").fill(pyotp.TOTP(TOTP_SECRET).now())
        other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_text("Welcome back")).to_be_visible()
    return other
