from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coop.moderation.states import REASONS

REASON_CHOICES = [SelectChoice(key, label) for key, label in REASONS.items()]


class ReportForm(FlaskForm):
    reason = RadioField("Why are you reporting this?", choices=REASON_CHOICES,
                        validators=[InputRequired("Choose a reason.")])  # fmt: skip
    note = StringField("Anything moderators should know (optional)", [Length(max=500)])


class ActionForm(FlaskForm):
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


class AppealForm(FlaskForm):
    statement = TextAreaField(
        "Why should this be reconsidered?",
        [InputRequired("Tell us why you appeal."), Length(max=2000)],
    )


class DecisionForm(FlaskForm):
    outcome = RadioField(
        "Decision",
        choices=[SelectChoice("upheld", "Uphold the action"),
                 SelectChoice("overturned", "Overturn the action")],
        validators=[InputRequired("Choose a decision.")],
    )  # fmt: skip
    reason = TextAreaField("Reason", [InputRequired("Give a reason."), Length(max=2000)])
