from coop.accounts.models import Role
from tests.support import PASSWORD, load_member, make_member, sign_in


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["coop", *args], input=input)


def test_create_admin_makes_a_verified_admin_who_can_sign_in(app):
    result = run(
        app,
        "create-admin",
        "--email",
        "Chair@Example.org",
        "--name",
        "The Chair",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    member = load_member(app, "chair@example.org")
    assert member.role == Role.ADMIN and member.is_verified
    assert sign_in(app.test_client(), "chair@example.org").status_code == 302


def test_create_admin_refuses_a_weak_password_and_a_taken_address(app):
    weak = run(
        app, "create-admin", "--email", "a@example.org", "--name", "A", "--password", "password123"
    )
    assert weak.exit_code != 0
    assert load_member(app, "a@example.org") is None
    make_member(app, email="taken@example.org")
    taken = run(
        app, "create-admin", "--email", "taken@example.org", "--name", "B", "--password", PASSWORD
    )
    assert taken.exit_code != 0
    assert "already" in taken.output


def test_granting_and_revoking_the_organiser_role(app):
    make_member(app)
    assert run(app, "grant-organiser", "member@example.org", "--reason", "Elected").exit_code == 0
    assert load_member(app, "member@example.org").role == Role.ORGANISER
    assert (
        run(app, "revoke-organiser", "member@example.org", "--reason", "Stood down").exit_code == 0
    )
    assert load_member(app, "member@example.org").role == Role.MEMBER


def test_granting_to_an_unknown_address_fails_clearly(app):
    result = run(app, "grant-organiser", "ghost@example.org", "--reason", "x")
    assert result.exit_code != 0
    assert "No member has the email address" in result.output


def test_demo_data_loads_once(app):
    first = run(app, "demo-data")
    second = run(app, "demo-data")
    assert "Demo data loaded" in first.output
    assert "already present" in second.output
    assert load_member(app, "organiser@example.org").role == Role.ORGANISER
