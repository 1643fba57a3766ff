"""Someone joins with another person's address and a password of their own, and stays signed
in. Confirming the address ends their session, and the owner is sent a link to choose their
own password, never one confirming the account as it stands."""

from tests.support import PASSWORD, join_data, load_member, sign_in, submit

ATTACKERS_PASSWORD = "the attacker's own long passphrase"


def attacker_joins_and_stays_signed_in(app):
    attacker = app.test_client()
    submit(attacker, "/join", join_data(display_name="Rosa", password=ATTACKERS_PASSWORD))
    assert sign_in(attacker, "rosa@example.org", ATTACKERS_PASSWORD).status_code == 302
    assert attacker.get("/account").status_code == 200
    return attacker


def test_the_owner_joining_later_chooses_their_own_password_and_the_attacker_is_out(app, outbox):
    attacker = attacker_joins_and_stays_signed_in(app)
    owner = app.test_client()
    submit(owner, "/join", join_data(display_name="Rosa Owner"))  # the address is taken

    link = outbox.last_link("rosa@example.org")
    assert link.startswith("/reset-password/")
    new_password = "the owner's very own passphrase"
    response = submit(owner, link, {"password": new_password})
    assert response.headers["Location"] == "/sign-in"

    assert load_member(app, "rosa@example.org").is_verified
    assert attacker.get("/account").status_code == 302
    assert sign_in(app.test_client(), "rosa@example.org", ATTACKERS_PASSWORD).status_code == 400
    assert sign_in(owner, "rosa@example.org", new_password).status_code == 302


def test_confirming_the_address_ends_every_other_session_of_the_account(app, outbox):
    attacker = attacker_joins_and_stays_signed_in(app)
    verify_link = outbox.to("rosa@example.org")[0]
    from tests.support import links_in, path_of

    elsewhere = app.test_client()  # confirming takes the password, from any browser
    submit(elsewhere, path_of(links_in(verify_link)[0]), {"password": ATTACKERS_PASSWORD})
    assert load_member(app, "rosa@example.org").is_verified
    assert attacker.get("/account").status_code == 302


def test_confirming_in_the_browser_signed_in_to_the_account_keeps_it_signed_in(app, outbox):
    client = app.test_client()
    submit(client, "/join", join_data())
    link = outbox.last_link("rosa@example.org")
    sign_in(client, "rosa@example.org", PASSWORD)
    submit(client, link)
    assert load_member(app, "rosa@example.org").is_verified
    assert client.get("/account").status_code == 200


def test_emails_to_an_unconfirmed_address_do_not_carry_the_joiners_name(app, outbox):
    attacker_joins_and_stays_signed_in(app)
    submit(app.test_client(), "/join", join_data(display_name="Someone Else"))
    for message in outbox.to("rosa@example.org"):
        assert "Rosa" not in message.get_body(("plain",)).get_content().split("\n")[0]
