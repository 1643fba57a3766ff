"""The one unit of work of a view that changes something (coop.web.save): what is kept,
what is rolled back, and where each kind of domain error is answered."""

import pytest
from sqlalchemy import func, select
from wtforms import StringField

from coop.errors import Conflict, Invalid, NotAllowed
from coop.extensions import db
from coop.ideas.models import Topic
from coop.web import CsrfForm, form_status, save


class NameForm(CsrfForm):
    name = StringField("Name")


def topics() -> int:
    return db.session.scalar(select(func.count()).select_from(Topic))


def add_then_fail(error: Exception | None):
    """A service that writes a row, then raises `error` (or returns the row)."""

    def service(name: str):
        topic = Topic(name=name, slug=name.lower())
        db.session.add(topic)
        db.session.flush()
        if error is not None:
            raise error
        return topic

    return service


@pytest.fixture
def form(app):
    with app.test_request_context("/", method="POST"):
        yield NameForm(meta={"csrf": False})


def test_success_commits_and_gives_back_what_the_service_returned(app, form):
    saved = save(form, add_then_fail(None), "Kept")
    assert saved and saved.value.name == "Kept"
    db.session.remove()  # a new session: only committed rows are seen
    assert topics() == 1
    assert form_status(form) == 200


def test_an_error_about_a_field_goes_beside_it_and_nothing_is_written(app, form):
    saved = save(form, add_then_fail(Conflict("That name is taken.", "name")), "Taken")
    assert not saved
    assert form.name.errors == ["That name is taken."]
    assert form_status(form) == 409  # the error's own status, with the form sent back
    assert topics() == 0


def test_an_error_about_the_whole_input_goes_at_the_top_of_the_form(app, form):
    assert not save(form, add_then_fail(Invalid("Say something.")), "Nothing")
    assert not save(form, add_then_fail(Invalid("Not a field here.", "no_such_field")), "No")
    assert form.form_errors == ["Say something.", "Not a field here."]
    assert form_status(form) == 400
    assert topics() == 0


@pytest.mark.parametrize(
    "error",
    [NotAllowed("No."), Conflict("Too late."), Conflict("Not this form's.", "no_such_field")],
)
def test_any_other_error_answers_the_error_page_and_nothing_is_written(app, form, error):
    with pytest.raises(type(error)):
        save(form, add_then_fail(error), "Refused")
    assert not form.errors
    assert topics() == 0


def test_without_a_form_every_domain_error_answers_the_error_page(app, form):
    with pytest.raises(Invalid):
        save(None, add_then_fail(Invalid("Say something.")), "Nothing")
    assert topics() == 0


def test_any_other_failure_rolls_back_and_propagates(app, form):
    with pytest.raises(ZeroDivisionError):
        save(form, add_then_fail(ZeroDivisionError()), "Broken")
    assert topics() == 0
