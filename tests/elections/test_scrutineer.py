"""An independent scrutineer runs the ballot: no box is opened; the secretary downloads the
electorate (audited) and enters the certified result, which the results page shows."""

import io

from sqlalchemy import func, select

from coop.audit.models import AuditEntry
from coop.ballots.models import BallotBox
from coop.elections.voting import services
from coop.elections.voting.models import VoteState
from coop.extensions import db
from tests.elections.helpers import MO, OLA
from tests.elections.voting_helpers import ballot_open, past_close, vote_row
from tests.factories import client_for
from tests.membership.helpers import SECRETARY
from tests.support import csrf_token, submit


def candidate_ids(app, election_id: int) -> dict[str, int]:
    with app.app_context():
        return {c.name: c.id for c in services.candidates_of(services.vote_of(election_id))}


def test_the_scrutineers_ballot_opens_no_box_and_the_electorate_is_audited(app):
    election_id = ballot_open(app, runner="scrutineer")
    assert vote_row(app, election_id).ballot_box_id is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BallotBox)) == 0
    mo = client_for(app, MO)
    page = mo.get(f"/elections/{election_id}/ballot").get_data(as_text=True)
    assert "independent scrutineer runs this ballot" in page and "1st preference" not in page
    assert mo.get(f"/elections/{election_id}/electorate.csv").status_code == 403
    secretary = client_for(app, SECRETARY)
    response = secretary.get(f"/elections/{election_id}/electorate.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    text = response.get_data(as_text=True)
    assert text.startswith("membership number,name,notice address")
    assert "Mo Member" in text and "Ola Member" in text and "Fay Member" not in text
    with app.app_context():
        assert db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "election.electorate_export")
        )


def test_the_secretary_enters_the_certified_result_with_the_report(app):
    election_id = ballot_open(app, runner="scrutineer")
    ids = candidate_ids(app, election_id)
    secretary = client_for(app, SECRETARY)
    page = f"/elections/{election_id}/certify"
    early = submit(secretary, page, {"elected": [ids["Mo"]], "scrutineer_name": "Civica"})
    assert early.status_code == 409
    past_close(app, election_id)
    too_many = submit(secretary, page, {"elected": list(ids.values()), "scrutineer_name": "C"})
    assert too_many.status_code == 400 and "At most 2" in too_many.get_data(as_text=True)
    not_pdf = submit(
        secretary, page,
        {"elected": [ids["Mo"]], "scrutineer_name": "Civica",
         "report": (io.BytesIO(b"<html>"), "report.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert not_pdf.status_code == 400 and "not a PDF" in not_pdf.get_data(as_text=True)
    odd = submit(secretary, page, {"elected": ["x"], "scrutineer_name": "Civica"})
    assert odd.status_code == 400
    done = submit(
        secretary, page,
        {"elected": [ids["Mo"], ids["Ola"]], "scrutineer_name": "Civica Election Services",
         "report": (io.BytesIO(b"%PDF-1.4 report"), "report.pdf")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert done.status_code == 302
    assert vote_row(app, election_id).state == VoteState.COUNTED
    ola = client_for(app, OLA)
    results = ola.get(f"/elections/{election_id}/results").get_data(as_text=True)
    assert "Certified by the independent scrutineer, Civica Election Services" in results
    assert "Elected: Mo; Ola" in results or "Elected: Ola; Mo" in results
    report = ola.get(f"/elections/{election_id}/report.pdf")
    assert report.status_code == 200 and report.data.startswith(b"%PDF-")
    assert ola.get(f"/elections/{election_id}/ballots.json").status_code == 404
    again = submit(secretary, page, {"elected": [ids["Mo"]], "scrutineer_name": "X"})
    assert again.status_code == 409
    mo = client_for(app, MO)
    token = csrf_token(mo, "/")
    assert mo.post(page, data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "election.certify"))
