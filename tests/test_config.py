import pytest

from config import database_url
from coop import create_app

PRODUCTION = {
    "SECRET_KEY": "x" * 40,
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db.example/coop",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_refuses_the_development_secret_key(monkeypatch):
    monkeypatch.setenv("BASE_URL", "https://coop.example.org")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {**PRODUCTION, "SECRET_KEY": "dev-only-insecure-secret-key"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {**PRODUCTION, "SECRET_KEY": "short"})


def test_production_refuses_sqlite_and_a_missing_redis(monkeypatch):
    monkeypatch.setenv("BASE_URL", "https://coop.example.org")
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app("production", {**PRODUCTION, "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app("production", {**PRODUCTION, "REDIS_URL": None})


def test_production_refuses_to_start_without_a_base_url(monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app("production", PRODUCTION)


def test_production_refuses_to_start_without_a_folder_for_ballot_keys(monkeypatch):
    """A default under the package would put open votes' keys where backups and upgrades
    reach them: the operator must choose the folder."""
    monkeypatch.setenv("BASE_URL", "https://coop.example.org")
    monkeypatch.delenv("BALLOT_KEY_DIR", raising=False)
    with pytest.raises(RuntimeError, match="BALLOT_KEY_DIR"):
        create_app("production", PRODUCTION)


def test_production_starts_with_everything_set(monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_URL", "https://coop.example.org")
    monkeypatch.setenv("BALLOT_KEY_DIR", str(tmp_path))
    monkeypatch.setenv("PROXY_FIX_X_FOR", "1")
    app = create_app("production", PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("value", [None, "", " "])
def test_production_refuses_to_start_unless_told_how_many_proxies_to_trust(
    monkeypatch, tmp_path, value
):
    """Left at 0 behind a proxy, every visitor would be the proxy's one address, sharing
    one allowance of joins and sign-ins: the operator must say, 0 included."""
    monkeypatch.setenv("BASE_URL", "https://coop.example.org")
    monkeypatch.setenv("BALLOT_KEY_DIR", str(tmp_path))
    if value is None:
        monkeypatch.delenv("PROXY_FIX_X_FOR", raising=False)
    else:
        monkeypatch.setenv("PROXY_FIX_X_FOR", value)
    with pytest.raises(RuntimeError, match="PROXY_FIX_X_FOR"):
        create_app("production", PRODUCTION)


def test_production_starts_with_no_proxy_when_that_is_said(monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_URL", "https://coop.example.org")
    monkeypatch.setenv("BALLOT_KEY_DIR", str(tmp_path))
    monkeypatch.setenv("PROXY_FIX_X_FOR", "0")
    app = create_app("production", {**PRODUCTION, "PROXY_FIX_X_FOR": 0})
    assert app.wsgi_app.__class__.__name__ != "ProxyFix"


def test_plain_postgresql_urls_use_psycopg_3():
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
