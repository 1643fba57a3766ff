from wtforms import IntegerField, RadioField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from coop.validation import TextForm

NUMBER_MAX = 2_147_483_647


class VoteForm(TextForm):
    choice = RadioField(
        "Your vote",
        choices=[SelectChoice("for", "For"), SelectChoice("against", "Against"),
                 SelectChoice("abstain", "Abstain")],
        validators=[InputRequired("Choose For, Against or Abstain.")],
    )  # fmt: skip


class NumberForm(TextForm):
    number = IntegerField(
        "Membership number",
        [InputRequired("Enter the membership number."),
         NumberRange(1, NUMBER_MAX, "Enter a membership number.")],
    )  # fmt: skip


class ProxyForm(TextForm):
    holder = RadioField(
        "Who votes for you",
        choices=[SelectChoice("chair", "The chair of the meeting"),
                 SelectChoice("member", "Another member of the co-operative")],
        validators=[InputRequired("Choose who votes for you.")],
    )  # fmt: skip
    number = IntegerField(
        "Their membership number (for another member)",
        [Optional(), NumberRange(1, NUMBER_MAX, "Enter a membership number.")],
    )


class ChairForm(TextForm):
    chair_id = SelectField("Chair of the meeting", choices=[], default="")
