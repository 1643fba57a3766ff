"""Who the notice is emailed to, and at which address: the electronic address the member gave
for notices in the register of members (s.30(2)(b)), else their confirmed account email;
every current member without an address for notices in the register is counted for post."""

import pytest
from sqlalchemy import event, select, update

from coop.extensions import db
from coop.mail.models import OutboundEmail
from coop.meetings import queries
from coop.membership import services as membership
from coop.membership.models import Membership, RegisterEntry
from coop.notifications.models import Notification
from tests.factories import client_for
from tests.meetings.helpers import notice_given, scheduled
from tests.membership.helpers import ADDRESS, SECRETARY, TREASURER, find, make_society
from tests.support import make_member

REGISTERED = "registered@example.org"  # notices by email; account address since changed
NEW_ADDRESS = "registered-new@example.org"
DECLINED = "declined@example.org"  # no notices by email
UNCONFIRMED = "unconfirmed@example.org"  # notices by email; account address unconfirmed
UNREACHABLE = "unreachable@example.org"  # no notices by email; account address unconfirmed
DELETED = "deleted@example.org"  # notices by email; account deleted
OTHER_PURPOSE = "other-purpose@example.org"  # an address in the register, not for notices


def joined(app, email: str, name: str, notices_by_email: bool) -> int:
    make_member(app, email, name.split()[0])
    with app.app_context():
        application = membership.apply(find(email), name, ADDRESS, 1, True, True, notices_by_email)
        db.session.flush()
        membership.record_payment(
            find(TREASURER), application.id, "cash", 100, membership.today(), ""
        )
        admitted = membership.admit(find(SECRETARY), application.id)
        db.session.commit()
        return admitted.id


@pytest.fixture
def members(app):
    make_society(app)
    ids = {
        REGISTERED: joined(app, REGISTERED, "Reg Istered", True),
        DECLINED: joined(app, DECLINED, "Dee Clined", False),
        UNCONFIRMED: joined(app, UNCONFIRMED, "Una Confirmed", True),
        UNREACHABLE: joined(app, UNREACHABLE, "Ural Reachable", False),
        DELETED: joined(app, DELETED, "Del Eted", True),
        OTHER_PURPOSE: joined(app, OTHER_PURPOSE, "Otto Purpose", True),
    }
    with app.app_context():
        find(REGISTERED).email = NEW_ADDRESS  # the register still holds the address given
        for email in (UNCONFIRMED, UNREACHABLE):
            find(email).email_verified_at = None
        db.session.execute(
            update(Membership).where(Membership.id == ids[DELETED]).values(account_id=None)
        )
        previous = membership.latest_entry(ids[OTHER_PURPOSE])
        db.session.add(
            RegisterEntry(
                membership_id=previous.membership_id, kind="details", name=previous.name,
                postal_address=previous.postal_address, electronic_address="otto@example.net",
                electronic_purposes="invoices", shares=previous.shares,
                paid_pence=previous.paid_pence, admitted_on=previous.admitted_on,
                recorded_by_name="Sam Secretary",
            )
        )  # fmt: skip
        db.session.commit()
    return ids


def test_the_notice_goes_to_the_address_for_notices_in_the_register(app, members):
    with app.app_context():
        found = {(r.address, r.name) for r in queries.members_to_notify(membership.today())}
    assert found == {
        (REGISTERED, "Reg"),  # the register's address, not the account's new one
        (DECLINED, "Dee"),  # no address in the register: the confirmed account email
        (UNCONFIRMED, "Una"),  # the register's address, though the account's is unconfirmed
        (DELETED, "Del Eted"),  # no account: the register's address and name
        (OTHER_PURPOSE, "Otto"),  # the register's address is not for notices
    }


def notices_to(outbox) -> set[str]:
    return {m["To"] for m in outbox.messages() if m["Subject"].startswith("Notice of")}


def test_a_member_whose_account_email_is_unconfirmed_is_not_left_out(app, members, outbox):
    """Emailed at the register's address for notices when there is one; posted otherwise."""
    meeting_id = scheduled(app)
    page = client_for(app, SECRETARY).get(f"/meetings/{meeting_id}/manage")
    assert "to the 5 member(s)" in page.get_data(as_text=True)  # UNCONFIRMED among them
    notice_given(app, meeting_id)
    assert UNCONFIRMED in notices_to(outbox) and UNREACHABLE not in notices_to(outbox)
    with app.app_context():
        on = membership.today()
        assert UNCONFIRMED in {r.address for r in queries.members_to_notify(on)}
        counts = queries.notice_counts(on)
    assert counts.by_email + counts.by_post >= len(members)  # nobody falls through both


def test_every_current_member_is_emailed_or_counted_for_post(app, members, outbox):
    page = client_for(app, SECRETARY).get(f"/meetings/{scheduled(app)}/manage")
    text = page.get_data(as_text=True)
    assert "to the 5 member(s)" in text and "3 member(s) have no address" in text

    meeting_id = scheduled(app, title="Second")
    assert notice_given(app, meeting_id) == 5
    with app.app_context():
        sent = set(
            db.session.execute(
                select(OutboundEmail.to_address, OutboundEmail.member_id).where(
                    OutboundEmail.subject.like("Notice of%")
                )
            ).all()
        )
        accounts = {email: find(email) for email in (NEW_ADDRESS, DECLINED, UNCONFIRMED)}
        assert sent == {
            (REGISTERED, accounts[NEW_ADDRESS].id),
            (DECLINED, accounts[DECLINED].id),
            (UNCONFIRMED, accounts[UNCONFIRMED].id),
            (DELETED, None),
            (OTHER_PURPOSE, find(OTHER_PURPOSE).id),
        }
        told = set(
            db.session.scalars(
                select(Notification.member_id).where(Notification.message.like("Notice of%"))
            )
        )
        assert told == {a.id for a in accounts.values()} | {find(OTHER_PURPOSE).id}
    (letter,) = [m for m in outbox.messages() if m["To"] == DELETED and "Notice" in m["Subject"]]
    assert letter.get_body(("plain",)).get_content().startswith("Dear Del Eted,")
    with app.app_context():
        counts = queries.notice_counts(membership.today())
    # emailed: all but UNREACHABLE; posted: DECLINED, UNREACHABLE and OTHER_PURPOSE, who gave
    # no address for notices by email (a courtesy email is not notice under the rules)
    assert (counts.by_email, counts.by_post) == (5, 3)


def test_the_secretary_s_page_counts_without_loading_every_member(app, members, monkeypatch):
    meeting_id = scheduled(app)
    statements = []

    def loaded(*args, **kwargs):
        raise AssertionError("the page loads every member to count them")

    monkeypatch.setattr(queries, "members_to_notify", loaded)
    with app.app_context():
        engine = db.engine
    client = client_for(app, SECRETARY)

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = client.get(f"/meetings/{meeting_id}/manage")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert page.status_code == 200
    assert "to the 5 member(s)" in page.get_data(as_text=True)
    assert not [s for s in statements if "memberships" in s and "password_hash" in s]
    counted = [s for s in statements if "register_entries" in s]
    assert len(counted) == 1 and "count(" in counted[0].lower()  # both figures, one query
