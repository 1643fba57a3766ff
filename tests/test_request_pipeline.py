"""Every app-wide hook is registered in create_app, in the order it runs (issue 24, part 2):
this is the request's way through the app, read in one place (coop/__init__.py)."""

BEFORE = [
    "open_request",  # the request's id and its clock, before anything can log or fail
    "csrf_protect",  # Flask-WTF: a form without its token is refused first
    "_check_request_limit",  # Flask-Limiter: counted against the limits
    "serve_kept_page",  # a visitor's kept page, answered with no database
    "without_transaction",  # @read_only views outside a transaction (PostgreSQL)
    "keep_session_alive",  # the signed-in member; an idle sign-in ended
    "ask_for_the_new_notice",  # a changed privacy notice read before anything else
]
AFTER = [  # in the order they run
    "keep_page",
    "security_headers",
    "api_headers",
    "_inject_headers",  # Flask-Limiter's
    "_update_remember_cookie",  # Flask-Login's
    "close_request",  # X-Request-ID, the latency metric, the request's log line: last
]


def names(hooks) -> list[str]:
    """Each hook's name (a partial's function's; a name-mangled method's, unmangled)."""
    found = []
    for hook in hooks:
        name = getattr(hook, "func", hook).__name__
        found.append("_" + name.rpartition("__")[2] if "__" in name else name)
    return found


def after_in_running_order(app) -> list[str]:
    return names(reversed(app.after_request_funcs[None]))


def test_the_hooks_run_in_the_order_create_app_lists_them(app_factory):
    app = app_factory(PAGE_CACHE_SECONDS=60)
    assert names(app.before_request_funcs[None]) == BEFORE
    assert after_in_running_order(app) == AFTER
    # No blueprint adds a request hook of its own.
    assert set(app.before_request_funcs) == {None}
    assert set(app.after_request_funcs) == {None}
    assert set(app.teardown_request_funcs) <= {None}


def test_without_the_page_cache_its_hooks_are_left_out_and_the_rest_keep_their_order(app_factory):
    app = app_factory(PAGE_CACHE_SECONDS=0)
    assert names(app.before_request_funcs[None]) == [n for n in BEFORE if n != "serve_kept_page"]
    assert after_in_running_order(app) == [n for n in AFTER if n != "keep_page"]
