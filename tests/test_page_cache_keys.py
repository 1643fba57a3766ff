"""What a kept page is keyed on, and how much the page cache may hold (coop/pagecache.py,
coop/cache.py), on real Redis: a query string the page does not read adds nothing, and a
flood of distinct pages stops at the memory cap."""

import uuid

import pytest
import redis

from tests.factories import client_for
from tests.support import count_queries, make_idea, make_member


@pytest.fixture
def prefix() -> str:
    return f"coop-pages-test-{uuid.uuid4().hex}:"


@pytest.fixture
def store(redis_url, prefix):
    client = redis.Redis.from_url(redis_url)
    yield client
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def cached_app(app_factory, redis_url, prefix, **settings):
    return app_factory(
        PAGE_CACHE_SECONDS=120,
        REDIS_URL=redis_url,
        PAGE_CACHE_BACKEND={"CACHE_KEY_PREFIX": prefix},
        **settings,
    )


def keys(store, prefix: str, kind: str) -> list[bytes]:
    return list(store.scan_iter(f"{prefix}{kind}:*"))


def queries_of(app, client, path: str) -> int:
    found = []
    queries = count_queries(app, lambda: found.append(client.get(path)))
    assert found[0].status_code == 200, path
    return queries


def test_parameters_a_page_does_not_read_add_no_kept_pages(app_factory, redis_url, prefix, store):
    app = cached_app(app_factory, redis_url, prefix)
    make_member(app, email="author@example.org")
    make_idea(app, "author@example.org", "Night buses")
    visitor = app.test_client()
    assert queries_of(app, visitor, "/ideas") > 0
    for n in range(30):
        assert queries_of(app, visitor, f"/ideas?x={n}&utm_source={n}") == 0
    assert queries_of(app, visitor, "/ideas.atom?x=1") > 0
    assert queries_of(app, visitor, "/ideas.atom?x=2") > 0  # not kept: it carried x
    assert queries_of(app, visitor, "/ideas.atom") > 0
    assert queries_of(app, visitor, "/ideas.atom?x=3") == 0
    assert len(keys(store, prefix, "page")) == 2


def test_the_same_parameters_in_another_order_are_one_kept_page(
    app_factory, redis_url, prefix, store
):
    app = cached_app(app_factory, redis_url, prefix)
    visitor = app.test_client()
    assert queries_of(app, visitor, "/ideas?sort=supported&page=1") > 0
    assert queries_of(app, visitor, "/ideas?page=1&sort=supported") == 0
    assert queries_of(app, visitor, "/ideas?page=1&sort=supported&sort=newest") == 0
    assert len(keys(store, prefix, "page")) == 1


def test_members_shared_fragments_are_keyed_alike(app_factory, redis_url, prefix, store):
    app = cached_app(app_factory, redis_url, prefix)
    make_member(app, email="member@example.org")
    member = client_for(app, "member@example.org")
    for n in range(10):
        member.get(f"/ideas?x={n}")
    member.get("/ideas")
    member.get("/ideas?sort=newest")
    assert len(keys(store, prefix, "fragment")) == 2


def test_the_page_cache_stops_storing_at_its_memory_cap(app_factory, redis_url, prefix, store):
    cap = 40_000
    app = cached_app(app_factory, redis_url, prefix, PAGE_CACHE_MAX_BYTES=cap)
    visitor = app.test_client()
    for n in range(40):
        visitor.get(f"/ideas?q=search{n}")
    kept = keys(store, prefix, "page")
    assert 0 < len(kept) < 40
    assert sum(store.strlen(key) for key in kept) <= cap // 2
    assert queries_of(app, visitor, "/ideas?q=search0") == 0  # kept before the cap
    assert queries_of(app, visitor, "/ideas?q=search39") > 0  # not kept: over the cap
