"""What the registers keep and for how long: a member's export, erasure of the account, the
retention task, the electorate of a binding vote, and officers acting at the same moment."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from coop.extensions import db
from coop.membership import services
from coop.membership.models import Application, Membership, OfficeTerm, RegisterEntry
from coop.membership.tasks import forget_expired_entries
from coop.privacy.deletion.services import delete_account
from coop.privacy.export.services import collect
from coop.proposals.models import Proposal
from coop.uktime import utcnow
from tests.factories import client_for
from tests.membership.helpers import (
    APPLY,
    SECRETARY,
    SUPPORTER,
    TREASURER,
    admitted,
    application_of,
    find,
    make_society,
)
from tests.parallel import copy_of, post_at_once
from tests.proposals.helpers import ORGANISER, cast_votes, close_due, end_voting
from tests.support import PASSWORD, csrf_token, make_member, make_proposal, quick_members, submit


@pytest.fixture
def society(app):
    make_society(app)


def rows(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_members_export_holds_their_register_entries_and_no_one_elses(app, society):
    admitted(app, SUPPORTER, "Rosa Lee Parks")
    make_member(app, "bo@example.org", "Bo")
    admitted(app, "bo@example.org", "Bo Diddley")
    with app.app_context():
        files = collect(find(SUPPORTER))
    register = json.loads(files["register_of_members.json"])
    assert [entry["name"] for entry in register] == ["Rosa Lee Parks"]
    assert register[0]["admitted_on"] == services.today().isoformat()
    applications = json.loads(files["membership_applications.json"])
    assert [a["state"] for a in applications] == ["admitted"]
    assert "Diddley" not in "".join(files.values())
    with app.app_context():
        officer = collect(find(SECRETARY))
    assert json.loads(officer["register_of_officers.json"])[0]["office"] == "secretary"


def test_deleting_the_account_keeps_the_register_and_erases_a_pending_application(app, society):
    number = admitted(app, SUPPORTER, "Rosa Lee Parks")
    make_member(app, "bo@example.org", "Bo")
    submit(client_for(app, "bo@example.org"), "/membership/apply", APPLY)
    with app.app_context():
        delete_account(find(SUPPORTER), PASSWORD, keep_contributions=False)
        delete_account(find("bo@example.org"), PASSWORD, keep_contributions=False)
        db.session.commit()
        membership = db.session.get(Membership, number)
        assert membership.account_id is None and membership.ceased_on is None  # still a member
        names = db.session.scalars(select(RegisterEntry.name)).all()
        assert names == ["Rosa Lee Parks"]
        assert db.session.scalar(select(func.count()).select_from(Application)) == 0
    page = client_for(app, SECRETARY).get("/register").get_data(as_text=True)
    assert "Rosa Lee Parks" in page


def test_entries_are_removed_only_years_after_the_membership_ended(app, society):
    keep_years = app.config["COOP_REGISTER_KEEP_YEARS"]
    current = admitted(app, SUPPORTER, "Still Here")
    make_member(app, "gone@example.org", "Gone")
    gone = admitted(app, "gone@example.org", "Long Gone")
    make_member(app, "recent@example.org", "Recent")
    recent = admitted(app, "recent@example.org", "Recently Gone")
    make_member(app, "refused@example.org", "Refused")
    submit(client_for(app, "refused@example.org"), "/membership/apply", APPLY)
    today = services.today()
    refused = application_of(app, "refused@example.org").id
    with app.app_context():
        secretary = find(SECRETARY)
        for number in (gone, recent):
            services.record_cessation(secretary, number, "died", today, "")
        services.refuse(secretary, refused, "No")
        db.session.commit()
        long_ago = today - timedelta(days=365 * keep_years + 3)
        db.session.execute(
            update(Membership).where(Membership.id == gone).values(ceased_on=long_ago)
        )
        db.session.execute(
            update(Application)
            .where(Application.state == "refused")
            .values(decided_at=utcnow() - timedelta(days=400))
        )
        db.session.commit()

        # Two entries, the membership and its application; the refused application.
        assert forget_expired_entries() == 5
        remaining = {e.membership_id for e in db.session.scalars(select(RegisterEntry))}
        assert remaining == {current, recent}
        assert db.session.get(Membership, gone) is None
        states = db.session.scalars(select(Application.state)).all()
        assert sorted(states) == ["admitted", "admitted"]
        db.session.rollback()  # the task runs in an app context of its own
        assert forget_expired_entries() == 0


def test_a_binding_votes_electorate_and_quorum_are_the_members_of_the_co_operative(app, society):
    make_member(app, ORGANISER, "Org", role="organiser")
    quick_members(app, 20)  # supporters only: not in the electorate of a binding vote
    members = [admitted(app, SUPPORTER)]
    for name in ("a", "b", "c"):
        make_member(app, f"{name}@example.org", name.upper())
        members.append(admitted(app, f"{name}@example.org"))
    with app.app_context():
        voters = db.session.scalars(
            select(Membership.account_id).where(Membership.id.in_(members[:2]))
        ).all()
    binding = make_proposal(app, ORGANISER, question="Binding?", electorate="members",
                            quorum_percent=50)  # fmt: skip
    cast_votes(app, binding, dict.fromkeys(voters, "for"))
    end_voting(app, binding)
    assert close_due(app) == 1
    with app.app_context():
        proposal = db.session.get(Proposal, binding)
        assert proposal.electorate == 4  # the four members, not the 26 accounts
        assert proposal.quorum_met and proposal.outcome == "carried"


def test_a_member_who_ceases_leaves_the_binding_vote_and_keeps_the_supporters_vote(app, society):
    make_member(app, ORGANISER, "Org", role="organiser")
    membership = admitted(app, SUPPORTER)
    with app.app_context():
        voter = find(SUPPORTER).id
    binding = make_proposal(app, ORGANISER, question="Binding?", electorate="members")
    everyone = make_proposal(app, ORGANISER, question="Open to all?")
    cast_votes(app, binding, {voter: "for"})
    cast_votes(app, everyone, {voter: "for"})
    with app.app_context():
        services.record_cessation(find(SECRETARY), membership, "died", services.today(), "")
        db.session.commit()
    for proposal_id in (binding, everyone):
        end_voting(app, proposal_id)
    assert close_due(app) == 2
    with app.app_context():
        assert db.session.get(Proposal, binding).votes_for == 0  # a public removal entry
        assert db.session.get(Proposal, everyone).votes_for == 1  # still a supporter's vote


def test_officers_acting_at_the_same_moment_admit_once(app, society):
    client = client_for(app, SUPPORTER)
    assert submit(client, "/membership/apply", APPLY).status_code == 302
    application = application_of(app, SUPPORTER)
    page = f"/board/applications/{application.id}"
    treasurer = client_for(app, TREASURER)
    paid = {"method": "cash", "amount": "1.00", "paid_on": services.today().isoformat()}
    assert submit(treasurer, page, paid, f"{page}/payment").status_code == 302
    with app.app_context():
        member = find(TREASURER)
        member_id = member.id
    with app.app_context():
        db.session.add(OfficeTerm(account_id=member_id, office="board_member",
                                  took_office_on=services.today()))  # fmt: skip
        db.session.commit()
    secretary = client_for(app, SECRETARY)
    clients = [secretary, copy_of(app, secretary), treasurer, copy_of(app, treasurer)]
    forms = [{"csrf_token": csrf_token(c, page), "decision": "admit"} for c in clients]
    statuses = post_at_once(clients, f"{page}/decision", forms)
    assert sorted(statuses) == [302, 409, 409, 409]
    assert rows(app, Membership) == 1
    assert rows(app, RegisterEntry) == 1


def test_applications_sent_at_the_same_moment_make_one(app, society):
    rosa = client_for(app, SUPPORTER)
    clients = [rosa] + [copy_of(app, rosa) for _ in range(4)]
    forms = [{"csrf_token": csrf_token(c, "/membership/apply"), **APPLY} for c in clients]
    statuses = post_at_once(clients, "/membership/apply", forms)
    assert sorted(statuses) == [302, 409, 409, 409, 409]
    assert rows(app, Application) == 1
