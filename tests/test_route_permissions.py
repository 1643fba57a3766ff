"""Every route, for every kind of reader, against a table decided here. A new route without
a row in ACCESS fails this test until someone decides who may use it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coop.accounts.models import Member, Role
from coop.digests.models import Digest
from coop.extensions import db
from coop.ideas.models import Idea, Topic
from coop.membership.models import Membership, OfficeTerm
from coop.moderation import appeals
from coop.moderation.models import ModerationAction
from coop.uktime import utcnow
from tests.factories import client_for
from tests.support import TOTP_SECRET, csrf_token, make_idea, make_member, make_proposal, make_topic

# coop_member: admitted to the co-operative; treasurer and secretary: officers of the society
# in the register of officers (with two-step sign-in), all three with the role "member".
ROLES = ["visitor", "unverified", "member", "suspended", "organiser", "admin", "coop_member",
         "treasurer", "secretary"]  # fmt: skip
PUBLIC = dict.fromkeys(ROLES, "allow")
SIGNED_IN = {**PUBLIC, "visitor": "login"}
CONTRIBUTOR = {**SIGNED_IN, "unverified": "deny", "suspended": "deny"}
ORGANISER = {**CONTRIBUTOR, **dict.fromkeys(["member", "coop_member", "treasurer", "secretary"],
                                            "deny")}  # fmt: skip
ADMIN = {**ORGANISER, "organiser": "deny"}
AUTHOR_ONLY = {**dict.fromkeys(ROLES, "deny"), "visitor": "login"}  # the sample's author is none
NOBODY = AUTHOR_ONLY  # the register open for inspection: nobody's request was fulfilled
COOP_MEMBER = {**AUTHOR_ONLY, "coop_member": "allow"}
BOARD = {**AUTHOR_ONLY, "treasurer": "allow", "secretary": "allow"}
SECRETARY = {**AUTHOR_ONLY, "secretary": "allow"}
REGISTRAR = {**SECRETARY, "admin": "allow"}
TREASURER = {**AUTHOR_ONLY, "treasurer": "allow", "secretary": "allow"}  # donors' details
TOTALS = {**TREASURER, "organiser": "allow", "admin": "allow"}  # donations' totals only

ACCESS = {
    "site.home": PUBLIC, "ops.healthz": PUBLIC, "ops.readyz": PUBLIC,
    "ops.metrics": PUBLIC,  # 404 without METRICS_TOKEN; a bearer token, not a role, with it
    "privacy.notice": PUBLIC,
    "static": PUBLIC, "common_ground.explainer": PUBLIC,
    "ideas.index": PUBLIC, "ideas.show": PUBLIC, "comments.show": PUBLIC,
    "proposals.index": PUBLIC, "proposals.show": PUBLIC, "proposals.ballots": PUBLIC,
    "feeds.ballots": PUBLIC, "feeds.ballots_record": PUBLIC,
    "accounts.join": PUBLIC, "accounts.sign_in": PUBLIC, "accounts.check_email": PUBLIC,
    "accounts.forgot_password": PUBLIC, "accounts.reset_password": PUBLIC,
    "accounts.resend_verification": PUBLIC, "accounts.verify_email": PUBLIC,
    "accounts.confirm_email_change": PUBLIC, "accounts.sign_out": PUBLIC,
    "accounts.sign_in_code": PUBLIC,
    "accounts.account": SIGNED_IN, "accounts.change_email": SIGNED_IN,
    "accounts.change_password": SIGNED_IN, "accounts.sign_out_everywhere": SIGNED_IN,
    "accounts.two_step": SIGNED_IN, "notifications.index": SIGNED_IN,
    "notifications.mark_read": SIGNED_IN, "moderation.mine": SIGNED_IN,
    "ideas.new": CONTRIBUTOR, "ideas.react": CONTRIBUTOR, "ideas.comment": CONTRIBUTOR,
    "proposals.vote": CONTRIBUTOR, "proposals.comment": CONTRIBUTOR,
    "moderation.report": CONTRIBUTOR,
    "ideas.edit": AUTHOR_ONLY, "ideas.withdraw": AUTHOR_ONLY, "comments.edit": AUTHOR_ONLY,
    "comments.delete": AUTHOR_ONLY, "moderation.appeal": AUTHOR_ONLY,
    "proposals.new": ORGANISER, "proposals.withdraw": ORGANISER, "topics.index": ORGANISER,
    "topics.archive": ORGANISER, "moderation.queue": ORGANISER, "moderation.item": ORGANISER,
    "moderation.decide": ORGANISER, "common_ground.recompute": ORGANISER,
    "audit.index": ADMIN, "audit.export": ADMIN, "roles.index": ADMIN,
    "digests.unsubscribe": PUBLIC, "digests.preference": SIGNED_IN,
    "digests.report": ADMIN, "digests.retry": ADMIN,
    "updates.index": PUBLIC, "updates.show": PUBLIC,
    "feeds.ideas": PUBLIC, "feeds.topic_ideas": PUBLIC, "feeds.updates": PUBLIC,
    "feeds.results": PUBLIC, "feeds.results_csv": PUBLIC, "feeds.results_json": PUBLIC,
    "updates.new": ORGANISER, "updates.edit": ORGANISER, "updates.delete": ORGANISER,
    "account_deletion.delete": SIGNED_IN, "account_deletion.deleted": PUBLIC,
    "data_export.request_export": SIGNED_IN, "data_export.download": SIGNED_IN,
    "data_export.ready": SIGNED_IN,
    "privacy.accept": SIGNED_IN, "privacy.consents": SIGNED_IN,
    "api.openapi_document": PUBLIC, "api.ideas": PUBLIC, "api.idea": PUBLIC,
    "api.idea_comments": PUBLIC, "api.proposals": PUBLIC, "api.proposal": PUBLIC,
    "api.proposal_comments": PUBLIC, "api.proposal_ballots": PUBLIC, "api.topics": PUBLIC,
    "api.updates": PUBLIC,
    "api.update": PUBLIC,
    "membership.mine": SIGNED_IN, "membership.apply": SIGNED_IN,
    "membership.withdraw_application": SIGNED_IN, "membership.details": SIGNED_IN,
    "membership.resign": SIGNED_IN, "membership.request_inspection": COOP_MEMBER,
    "membership.inspect": NOBODY,
    "membership.board": BOARD, "membership.application": BOARD, "membership.payment": BOARD,
    "membership.decide": BOARD, "membership.approve_resignation": BOARD,
    "membership.member": BOARD, "membership.member_details": BOARD,
    "membership.cessation": BOARD, "membership.fulfil_inspection": SECRETARY,
    "membership.register": SECRETARY, "membership.register_csv": SECRETARY,
    "membership.register_print": SECRETARY, "membership.officers": SECRETARY,
    "membership.officers_csv": SECRETARY, "membership.officers_print": SECRETARY,
    "membership.end_term": SECRETARY, "membership.appoint": REGISTRAR,
    "giving.donate": PUBLIC, "giving.given": PUBLIC, "giving.stripe_webhook": PUBLIC,
    "giving.stop_monthly": PUBLIC,
    "donations.ledger": TREASURER, "donations.record": TREASURER,
    "donations.gift": TREASURER, "donations.check": TREASURER, "donations.accept": TREASURER,
    "donations.return_gift": TREASURER, "donations.recipients": TREASURER,
    "donations.thresholds": TREASURER, "donations.reportable": TREASURER,
    "donations.totals": TOTALS,
    # General meetings: members of the co-operative and officers read them, anyone else
    # finds nothing (a 404, which this table counts as allowed: tests/meetings checks it).
    "meetings.index": SIGNED_IN, "meetings.show": SIGNED_IN, "meetings.document": SIGNED_IN,
    "meetings.new": SECRETARY, "meetings.edit": SECRETARY, "meetings.manage": SECRETARY,
    "meetings.add_item": SECRETARY, "meetings.edit_item": SECRETARY,
    "meetings.remove_item": SECRETARY, "meetings.notice": SECRETARY,
    "meetings.upload": SECRETARY,
    # Board elections: as meetings, members of the co-operative and officers (404 for anyone
    # else, counted as allowed here: tests/elections checks it); the secretary sets them up.
    "elections.index": SIGNED_IN, "elections.show": SIGNED_IN, "elections.stand": SIGNED_IN,
    "elections.nominate": SIGNED_IN, "elections.withdraw": SIGNED_IN,
    "elections.second": SIGNED_IN,
    "elections.new": SECRETARY, "elections.edit": SECRETARY, "elections.manage": SECRETARY,
    "elections.close": SECRETARY, "elections.reject": SECRETARY,
    # Voting at general meetings: 404 for anyone who may not read the meeting (counted as
    # allowed); 403 for non-members voting and non-chairs (tests/meetings checks both).
    "meeting_votes.ballot": SIGNED_IN, "meeting_votes.cast": SIGNED_IN,
    "meeting_votes.check_in": SIGNED_IN, "meeting_votes.appoint": SIGNED_IN,
    "meeting_votes.revoke": SIGNED_IN, "meeting_votes.ballots": SIGNED_IN,
    "meeting_votes.record": SIGNED_IN, "meeting_votes.chair": SIGNED_IN,
    "meeting_votes.name_chair": SIGNED_IN, "meeting_votes.door": SIGNED_IN,
    "meeting_votes.open_window": SIGNED_IN, "meeting_votes.close": SIGNED_IN,
    "meetings.minutes_page": PUBLIC,  # public minutes to anyone, others as the meeting
    "meetings.record_minutes": SECRETARY, "meetings.link_minutes": SECRETARY,
    # An election's vote: the ballot (members of the co-operative only: the service answers
    # 403 to anyone else who may read the election), results and their downloads as the
    # election's page; the secretary sets up, counts and enters a scrutineer's result.
    "election_voting.ballot": SIGNED_IN, "election_voting.results": SIGNED_IN,
    "election_voting.results_csv": SIGNED_IN, "election_voting.ballots_json": SIGNED_IN,
    "election_voting.report": SIGNED_IN,
    "election_voting.setup": SECRETARY, "election_voting.count": SECRETARY,
    "election_voting.electorate": SECRETARY, "election_voting.certify": SECRETARY,
}  # fmt: skip


def sample_data(app) -> dict:
    """An idea, comment, proposal, topic, moderation action, appeal and organisers' update by
    other people."""
    make_member(app, email="author@example.org", name="Author")
    make_member(app, email="boss@example.org", name="Boss", role=Role.ORGANISER)
    topic_id = make_topic(app, "Sample topic")
    idea_id = make_idea(app, author_email="author@example.org", topic_id=topic_id)
    proposal_id = make_proposal(app, "boss@example.org")
    with app.app_context():
        from coop.comments.services import add_comment
        from coop.moderation.services import act
        from coop.updates.services import publish_update

        author = db.session.scalar(select(Member).where(Member.email == "author@example.org"))
        boss = db.session.scalar(select(Member).where(Member.email == "boss@example.org"))
        comment = add_comment(author, db.session.get(Idea, idea_id), "A sample comment")
        hidden = add_comment(author, db.session.get(Idea, idea_id), "Another")
        db.session.flush()
        with app.test_request_context():
            action = act(boss, "hide", "comment", hidden.id, "Sample", category="other")
        appeal = appeals.appeal(author, action.id, "Please look again")
        # The idea's title, so that the `slug` both pages share opens each without a redirect.
        update = publish_update(boss, db.session.get(Idea, idea_id).title, "Sample news")
        digest = Digest(member_id=author.id, frequency="weekly", period_start=utcnow(),
                        covers_from=utcnow(), status="failed")  # fmt: skip
        db.session.add(digest)
        membership = _sample_membership(author, boss)
        db.session.commit()
        return {
            "idea_id": idea_id, "slug": db.session.get(Idea, idea_id).slug,
            "comment_id": comment.id, "proposal_id": proposal_id, "topic_id": topic_id,
            "action_id": db.session.get(ModerationAction, action.id).id,
            "appeal_id": appeal.id, "update_id": update.id, "digest_id": digest.id,
            "target_type": "idea", "target_id": idea_id,
            "action": "archive", "kind": "join", "token": "not-a-real-token",
            "filename": "coop.css", "reference": "no-such-checkout",
            "topic_slug": db.session.get(Topic, topic_id).slug,
            "election_id": 1, "nomination_id": 1,  # none exists: each page answers 404
            **membership,
        }  # fmt: skip


def _sample_membership(author: Member, boss: Member) -> dict:
    """The author is a member of the co-operative who asked to inspect the register; the
    boss applied and is a board member."""
    from coop.membership.models import (
        Application,
        Inspection,
        Membership,
        OfficeTerm,
        RegisterEntry,
    )  # fmt: skip

    today = utcnow().date()
    membership = Membership(account_id=author.id, admitted_on=today)
    application = Application(
        account_id=boss.id, legal_name="Boss", postal_address="1 A Street\nB1 1BB",
        eligible=True, rules_version="1", shares=1, amount_due_pence=100,
    )  # fmt: skip
    term = OfficeTerm(account_id=boss.id, office="board_member", took_office_on=today)
    inspection = Inspection(account_id=author.id)
    db.session.add_all([membership, application, term, inspection])
    db.session.flush()
    db.session.add(
        RegisterEntry(
            membership_id=membership.id, kind="admitted", name="Author", postal_address="x\ny",
            shares=1, paid_pence=100, admitted_on=today, recorded_by_name="test",
        )
    )  # fmt: skip
    return {
        "membership_id": membership.id, "application_id": application.id,
        "term_id": term.id, "inspection_id": inspection.id, "gift_id": _sample_gift(),
        **_sample_meeting(),
    }  # fmt: skip


def _sample_meeting() -> dict:
    """A draft general meeting with one item and one document (its file never written)."""
    from coop.meetings.models import AgendaItem, Meeting, MeetingDocument

    meeting = Meeting(kind="annual", title="Sample AGM", starts_at=utcnow() + timedelta(days=60),
                      place="A hall")  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    item = AgendaItem(meeting_id=meeting.id, position=1, kind="report", title="Report")
    document = MeetingDocument(
        meeting_id=meeting.id, title="Accounts", filename="a.pdf", stored_name="0" * 32 + ".pdf",
        size_bytes=1, sha256="0" * 64,
    )  # fmt: skip
    db.session.add_all([item, document])
    db.session.flush()
    return {"meeting_id": meeting.id, "item_id": item.id, "document_id": document.id}


def _sample_gift() -> int:
    from coop.donations.models import Gift, Recipient

    recipient = Recipient(name="Sample recipient", regime="regulated_donee")
    db.session.add(recipient)
    db.session.flush()
    gift = Gift(
        recipient_id=recipient.id, donor_kind="individual", donor_name="Sample Donor",
        donor_address="1 A Street\nB1 1BB", donor_key="k", amount_pence=100,
        received_on=utcnow().date(), method="cash",
    )  # fmt: skip
    db.session.add(gift)
    db.session.flush()
    return gift.id


def reader(app, role: str):
    if role == "visitor":
        return client_for(app)
    email = f"{role}@example.org"
    make_member(
        app,
        email=email,
        name=role.title(),
        role={"organiser": Role.ORGANISER, "admin": Role.ADMIN}.get(role, Role.MEMBER),
        verified=role != "unverified",
    )
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.email == email))
        if role == "suspended":
            member.suspended_until = utcnow() + timedelta(days=3)
        if role == "coop_member":
            db.session.add(Membership(account_id=member.id, admitted_on=utcnow().date()))
        if role in ("treasurer", "secretary"):
            member.totp_secret = TOTP_SECRET
            db.session.add(OfficeTerm(account_id=member.id, office=role,
                                      took_office_on=utcnow().date()))  # fmt: skip
        db.session.commit()
    return client_for(app, email)


def outcome(response) -> str:
    if response.status_code == 403:
        return "deny"
    if response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next="):
        return "login"  # login_required; a plain /sign-in after signing out is an allowed end
    assert response.status_code < 500, response.status_code
    return "allow"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(app_factory, role):
    app = app_factory(LIMIT_SIGNIN_PER_IP="10000 per minute", LIMIT_REACTIONS="10000 per minute")
    values = sample_data(app)
    undecided = {rule.endpoint for rule in app.url_map.iter_rules()} - set(ACCESS)
    assert not undecided, f"decide who may use {sorted(undecided)} in ACCESS"
    seen = []
    client = reader(app, role)
    for rule in app.url_map.iter_rules():
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            if client is None:  # a POST may have signed out, deleted the account...
                client = fresh_reader(app, role)
            if method == "GET":
                response = client.get(url)
            else:
                token_page = "/" if role != "visitor" else "/sign-in"
                response = client.post(url, data={"csrf_token": csrf_token(client, token_page)})
            response.close()  # a streamed body (the CSV export) keeps its context open till closed
            seen.append((rule.endpoint, method, outcome(response)))
            if method == "POST":
                client = None  # ...so the next request signs in afresh; a GET changes nothing
    wrong = [(e, m, got, ACCESS[e][role]) for e, m, got in seen if got != ACCESS[e][role]]
    assert wrong == [], f"{role}: (endpoint, method, got, expected)"


def fresh_reader(app, role: str):
    return client_for(app, None if role == "visitor" else f"{role}@example.org")
