from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from coop.elections.models import (
    METHOD_LABELS,
    REASON_MAX,
    SEATS_MAX,
    SECONDERS_MAX,
    STATEMENT_MAX,
    WORDS_MAX,
)
from coop.ideas.forms import strip
from coop.validation import TextForm, at_most


class ElectionForm(TextForm):
    seats = IntegerField(
        "Seats to fill",
        [InputRequired("Enter the number of seats."),
         NumberRange(1, SEATS_MAX, f"Enter a number from 1 to {SEATS_MAX}.")],
    )  # fmt: skip
    method = SelectField("Voting method", choices=[])
    nominations_open_at = DateTimeLocalField(
        "Nominations open (UK time)",
        [InputRequired("Enter when nominations open.")],
        format="%Y-%m-%dT%H:%M",
    )
    nominations_close_at = DateTimeLocalField(
        "Nominations close (UK time)",
        [InputRequired("Enter when nominations close.")],
        format="%Y-%m-%dT%H:%M",
        description="Before the meeting. The details cannot change once nominations open.",
    )
    seconders_required = IntegerField(
        "Seconders each nomination needs",
        [InputRequired("Enter the number of seconders."),
         NumberRange(0, SECONDERS_MAX, f"Enter a number from 0 to {SECONDERS_MAX}.")],
    )  # fmt: skip
    statement_word_limit = IntegerField(
        "Word limit of a candidate's statement",
        [InputRequired("Enter the word limit."),
         NumberRange(1, WORDS_MAX, f"Enter a number from 1 to {WORDS_MAX:,}.")],
    )  # fmt: skip

    def offer(self, methods) -> "ElectionForm":
        self.method.choices = [
            SelectChoice(method.value, label)
            for method, label in METHOD_LABELS.items()
            if method in methods
        ]
        return self


class NominateForm(TextForm):
    membership_number = StringField(
        "Membership number of the member you nominate",
        [InputRequired("Enter their membership number."), at_most(12, "The number")],
        filters=[strip],
        description="They are asked to accept; they stand once they do.",
    )


class StandForm(TextForm):
    not_bankrupt = BooleanField()
    not_disqualified = BooleanField()
    eligible = BooleanField()
    consents = BooleanField()
    statement = TextAreaField(
        "Your statement to members (optional)",
        [at_most(STATEMENT_MAX, "The statement")],
        description="Markdown works. Members of the co-operative read it with your name.",
    )

    def label_declarations(self, declarations) -> "StandForm":
        for declaration in declarations:
            field = self[declaration.field]
            field.label.text = declaration.text
            field.description = declaration.source
        return self


class RejectForm(TextForm):
    reason = TextAreaField(
        "Why the statement breaks the election's rules",
        [InputRequired("Give the reason."), at_most(REASON_MAX, "The reason")],
        description="The candidate is told, and may send another before nominations close.",
    )
