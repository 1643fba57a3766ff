from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coop.moderation.states import REASONS
from coop.validation import TextForm

REASON_CHOICES = [SelectChoice(key, label) for key, label in REASONS.items()]


class ReportForm(TextForm):
    reason = RadioField("Why are you reporting this?", choices=REASON_CHOICES,
                        validators=[InputRequired("Choose a reason.")])  # fmt: skip
    note = StringField("Anything moderators should know (optional)", [Length(max=500)])


class ActionForm(TextForm):
    action = SelectField("Action", validate_choice=False)
    category = SelectField(
        "Reason category (for hiding)", choices=[SelectChoice("", "Choose"), *REASON_CHOICES],
        validate_choice=False,
    )  # fmt: skip
    days = IntegerField("Days (for a suspension)", [Optional(), NumberRange(1, 365)])
    reason = TextAreaField(
        "Reason", [InputRequired("Give a reason: the member will read it."), Length(max=2000)],
        description="The member concerned reads this, and it goes into the audit log.",
    )  # fmt: skip


class AppealForm(TextForm):
    statement = TextAreaField(
        "Why should this be reconsidered?",
        [InputRequired("Tell us why you appeal."), Length(max=2000)],
    )


class DecisionForm(TextForm):
    outcome = RadioField(
        "Decision",
        choices=[SelectChoice("upheld", "Uphold the action"),
                 SelectChoice("overturned", "Overturn the action")],
        validators=[InputRequired("Choose a decision.")],
    )  # fmt: skip
    reason = TextAreaField("Reason", [InputRequired("Give a reason."), Length(max=2000)])
