"""Every route, for every kind of reader, against a table decided here. A new route without
a row in ACCESS fails this test until someone decides who may use it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coop.accounts.models import Member, Role
from coop.digests.models import Digest
from coop.extensions import db, utcnow
from coop.ideas.models import Idea, Topic
from coop.moderation import appeals
from coop.moderation.models import ModerationAction
from tests.factories import client_for
from tests.support import csrf_token, make_idea, make_member, make_proposal, make_topic, sign_in

ROLES = ["visitor", "unverified", "member", "suspended", "organiser", "admin"]
PUBLIC = dict.fromkeys(ROLES, "allow")
SIGNED_IN = {**PUBLIC, "visitor": "login"}
CONTRIBUTOR = {**SIGNED_IN, "unverified": "deny", "suspended": "deny"}
ORGANISER = {**CONTRIBUTOR, "member": "deny"}
ADMIN = {**ORGANISER, "organiser": "deny"}
AUTHOR_ONLY = {**dict.fromkeys(ROLES, "deny"), "visitor": "login"}  # the sample's author is none

ACCESS = {
    "site.home": PUBLIC, "site.healthz": PUBLIC, "privacy.notice": PUBLIC,
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
        db.session.commit()
        return {
            "idea_id": idea_id, "slug": db.session.get(Idea, idea_id).slug,
            "comment_id": comment.id, "proposal_id": proposal_id, "topic_id": topic_id,
            "action_id": db.session.get(ModerationAction, action.id).id,
            "appeal_id": appeal.id, "update_id": update.id, "digest_id": digest.id,
            "target_type": "idea", "target_id": idea_id,
            "action": "archive", "kind": "join", "token": "not-a-real-token",
            "filename": "coop.css",
            "topic_slug": db.session.get(Topic, topic_id).slug,
        }  # fmt: skip


def reader(app, role: str):
    client = app.test_client()
    if role == "visitor":
        return client
    email = f"{role}@example.org"
    make_member(
        app,
        email=email,
        name=role.title(),
        role={"organiser": Role.ORGANISER, "admin": Role.ADMIN}.get(role, Role.MEMBER),
        verified=role != "unverified",
    )
    if role == "suspended":
        with app.app_context():
            member = db.session.scalar(select(Member).where(Member.email == email))
            member.suspended_until = utcnow() + timedelta(days=3)
            db.session.commit()
    assert sign_in(client, email).status_code == 302
    return client


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
    for rule in app.url_map.iter_rules():
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            client = reader(app, role) if not seen else fresh_reader(app, role)
            if method == "GET":
                response = client.get(url)
            else:
                token_page = "/" if role != "visitor" else "/sign-in"
                response = client.post(url, data={"csrf_token": csrf_token(client, token_page)})
            response.close()  # a streamed body (the CSV export) keeps its context open until
            seen.append((rule.endpoint, method, outcome(response)))
    wrong = [(e, m, got, ACCESS[e][role]) for e, m, got in seen if got != ACCESS[e][role]]
    assert wrong == [], f"{role}: (endpoint, method, got, expected)"


def fresh_reader(app, role: str):
    return client_for(app, None if role == "visitor" else f"{role}@example.org")
