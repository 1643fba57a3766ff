import pytest
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from coop.accounts.models import Member
from coop.extensions import db


def test_home_page_explains_the_network_to_visitors(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "One member, one vote" in html
    assert 'href="/join"' in html
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html


def test_privacy_notice_is_public_and_versioned(client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "Version 2026-12-07.2" in html
    assert "Nobody else receives your data" in html


def test_unknown_page_gets_a_404_page_in_the_layout(client):
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'href="/privacy"' in html


def test_clients_asking_for_json_get_json_errors(client):
    response = client.get("/missing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


def test_wrong_method_gets_405_with_allow_header(client):
    response = client.delete("/sign-in")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "not allowed" in response.get_data(as_text=True)


@pytest.fixture
def failing_app(app_factory):
    app = app_factory()

    @app.get("/test-only/explode")
    def explode():
        db.session.add(
            Member(
                display_name="Half",
                email="half@example.org",
                password_hash="x",
                privacy_notice_version="v",
            )
        )
        db.session.flush()
        raise RuntimeError("secret internal detail")

    @app.get("/test-only/domain-404")
    def domain_404():
        raise WerkzeugNotFound()

    return app


def test_server_errors_show_no_stack_trace_and_write_nothing(failing_app):
    response = failing_app.test_client().get("/test-only/explode")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html
    with failing_app.app_context():
        assert db.session.query(Member).count() == 0


def test_domain_errors_map_to_status_codes(app_factory):
    from coop.errors import Conflict, NotAllowed

    app = app_factory()

    @app.get("/test-only/forbidden")
    def forbidden():
        raise NotAllowed("Only organisers can do that.")

    @app.get("/test-only/conflict")
    def conflict():
        raise Conflict("Already done.")

    client = app.test_client()
    response = client.get("/test-only/forbidden")
    assert response.status_code == 403
    assert "Only organisers can do that." in response.get_data(as_text=True)
    assert client.get("/test-only/conflict").status_code == 409
