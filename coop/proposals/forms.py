from wtforms import DateTimeLocalField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coop.proposals.models import BODY_MAX, ELECTORATE_LABELS, QUESTION_MAX, RULE_LABELS, Choice
from coop.validation import TextForm

DATETIME_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class ProposalForm(TextForm):
    question = StringField(
        "Question put to the members",
        [InputRequired("Enter the question."), Length(max=QUESTION_MAX)],
        description="A question members can answer For or Against.",
    )
    body = TextAreaField(
        "Background (optional)", [Length(max=BODY_MAX)], description="Markdown works."
    )
    opens_at = DateTimeLocalField(
        "Voting opens (UK time)",
        [InputRequired("Enter when voting opens.")],
        format=DATETIME_FORMAT,
    )
    closes_at = DateTimeLocalField(
        "Voting closes (UK time)",
        [InputRequired("Enter when voting closes.")],
        format=DATETIME_FORMAT,
    )
    rule = RadioField(
        "How the vote is decided",
        choices=[SelectChoice(rule.value, label) for rule, label in RULE_LABELS.items()],
        default="majority",
    )
    quorum_percent = IntegerField(
        "Quorum (optional)",
        [Optional(), NumberRange(1, 100, "Enter a percentage from 1 to 100.")],
        description="The smallest turnout, as a percentage of confirmed members, for the "
        "result to count. Leave empty for none.",
    )
    electorate = RadioField(
        "Who votes",
        choices=[SelectChoice(kind.value, label) for kind, label in ELECTORATE_LABELS.items()],
        default="supporters",
    )
    visibility = RadioField(
        "Who can see it",
        choices=[
            SelectChoice("public", "Everyone, members and visitors"),
            SelectChoice("members", "Members only"),
        ],
        default="public",
    )


class VoteForm(TextForm):
    choice = RadioField(
        "Your vote",
        choices=[
            SelectChoice(Choice.FOR.value, "For"),
            SelectChoice(Choice.AGAINST.value, "Against"),
            SelectChoice(Choice.ABSTAIN.value, "Abstain"),
        ],
        validators=[InputRequired("Choose For, Against or Abstain.")],
    )
