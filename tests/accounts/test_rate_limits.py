"""Rate limits, on in-memory storage (embedded default) and on Redis (production).

Redis keeps counters between tests, so each test uses its own addresses and accounts.
"""

import random
import uuid

import pytest

from tests.support import csrf_token, make_member


@pytest.fixture(params=["memory", "redis"])
def limited_app(request, app_factory):
    storage = request.getfixturevalue("redis_url") if request.param == "redis" else "memory://"
    return app_factory(RATELIMIT_STORAGE_URI=storage)


def unique_email() -> str:
    return f"{uuid.uuid4().hex[:12]}@example.org"


def client_from_random_ip(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ".".join(str(random.randint(1, 254)) for _ in range(4))
    return client


def post_from_one_address(app, page: str, forms: list[dict]) -> list[int]:
    client = client_from_random_ip(app)
    token = csrf_token(client, page)
    return [client.post(page, data={"csrf_token": token, **form}).status_code for form in forms]


def post_from_many_addresses(app, page: str, form: dict, count: int) -> list[int]:
    return [post_from_one_address(app, page, [form])[0] for _ in range(count)]


def test_sign_in_is_limited_per_account_across_addresses(limited_app):
    email = unique_email()
    make_member(limited_app, email=email)
    form = {"email": email, "password": "a wrong guess each time"}
    statuses = post_from_many_addresses(limited_app, "/sign-in", form, 11)
    assert statuses == [400] * 10 + [429]


def test_sign_in_is_limited_per_address_across_accounts(limited_app):
    client = client_from_random_ip(limited_app)
    token = csrf_token(client, "/sign-in")
    form = {"csrf_token": token, "password": "a wrong guess"}
    responses = [client.post("/sign-in", data={**form, "email": unique_email()}) for _ in range(31)]
    assert [r.status_code for r in responses[:30]] == [400] * 30
    blocked = responses[30]
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_join_is_limited_per_address(limited_app):
    forms = [{"email": unique_email()} for _ in range(6)]
    assert post_from_one_address(limited_app, "/join", forms) == [400] * 5 + [429]


def test_joining_with_one_address_is_limited_across_addresses(limited_app):
    form = {"email": unique_email()}
    statuses = post_from_many_addresses(limited_app, "/join", form, 6)
    assert statuses == [400] * 5 + [429]


def test_password_reset_is_limited_per_account(limited_app):
    form = {"email": unique_email()}
    statuses = post_from_many_addresses(limited_app, "/forgot-password", form, 6)
    assert statuses == [302] * 5 + [429]


def test_a_limit_on_one_address_leaves_others_alone(limited_app):
    post_from_one_address(limited_app, "/join", [{"email": unique_email()} for _ in range(6)])
    assert post_from_one_address(limited_app, "/join", [{}]) == [400]


def test_pages_are_not_limited_when_only_read(limited_app):
    client = client_from_random_ip(limited_app)
    assert all(client.get("/sign-in").status_code == 200 for _ in range(40))
