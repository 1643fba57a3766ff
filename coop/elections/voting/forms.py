from wtforms import (
    DateTimeLocalField,
    FileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from coop.elections.voting.models import SCRUTINEER_MAX, Runner
from coop.validation import TextForm, at_most

ORDINALS = ("1st", "2nd", "3rd")
RUNNERS = [
    SelectChoice(Runner.PLATFORM.value, "Secret ballot on this platform, counted here"),
    SelectChoice(Runner.SCRUTINEER.value, "An independent scrutineer runs the ballot"),
]


def ordinal(number: int) -> str:
    return ORDINALS[number - 1] if number <= 3 else f"{number}th"


class VotingForm(TextForm):
    voting_opens_at = DateTimeLocalField(
        "Voting opens (UK time)", [InputRequired("Enter when voting opens.")],
        format="%Y-%m-%dT%H:%M", description="After nominations close.",
    )  # fmt: skip
    voting_closes_at = DateTimeLocalField(
        "Voting closes (UK time)", [InputRequired("Enter when voting closes.")],
        format="%Y-%m-%dT%H:%M", description="No later than the start of the meeting.",
    )  # fmt: skip
    runner = RadioField("Who runs the ballot", choices=RUNNERS, default=Runner.PLATFORM.value)


class CertifyForm(TextForm):
    elected = SelectMultipleField(
        "Elected, as the scrutineer certified", coerce=int, validate_choice=False,
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
    )  # fmt: skip
    scrutineer_name = StringField(
        "The scrutineer",
        [InputRequired("Enter the scrutineer's name."), at_most(SCRUTINEER_MAX, "The name")],
    )
    report = FileField("The scrutineer's report (PDF, optional)")


def ballot_form(candidates, method: str, seats: int, **kwargs) -> TextForm:
    """The ballot paper: one select per preference (STV), or a checkbox per candidate with
    at most `seats` marks (first past the post). Choices are checked by the service, so a
    wrong value is refused with its message beside the field, never a 500."""

    class BallotForm(TextForm):
        pass

    options = [SelectChoice(str(c.position), c.name) for c in candidates]
    if method == "fptp":
        BallotForm.marks = SelectMultipleField(
            f"Mark up to {seats} candidate(s)", choices=options, validate_choice=False,
            option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
        )  # fmt: skip
    else:
        for number in range(1, len(candidates) + 1):
            setattr(
                BallotForm,
                f"preference_{number}",
                SelectField(
                    f"{ordinal(number)} preference",
                    choices=[SelectChoice("", "No preference"), *options],
                    validate_choice=False,
                ),
            )
    return BallotForm(**kwargs)


def choices_of(form, method: str, count: int) -> list[str | None]:
    if method == "fptp":
        return list(form.marks.data or [])
    return [form[f"preference_{n}"].data for n in range(1, count + 1)]
