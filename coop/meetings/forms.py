from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired

from coop.ideas.forms import strip
from coop.meetings.models import (
    ITEM_LABELS,
    KIND_LABELS,
    MINUTES_MAX,
    PLACE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    URL_MAX,
)
from coop.validation import TextForm, at_most


class MeetingForm(TextForm):
    kind = RadioField(
        "Kind of meeting",
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[InputRequired("Choose an annual or a special general meeting.")],
    )
    title = StringField(
        "Title",
        [InputRequired("Enter the title."), at_most(TITLE_MAX, "The title")],
        filters=[strip],
        description="For example: Annual general meeting 2027.",
    )
    starts_at = DateTimeLocalField(
        "Date and start time (UK time)",
        [InputRequired("Enter the date and start time.")],
        format="%Y-%m-%dT%H:%M",
    )
    place = TextAreaField(
        "Place (optional if there is an online link)",
        [at_most(PLACE_MAX, "The place")],
        description="The address where members meet in person.",
    )
    online_url = StringField(
        "Online meeting link (optional if there is a place)",
        [at_most(URL_MAX, "The link")],
        filters=[strip],
        description="A link starting https://.",
    )


class ItemForm(TextForm):
    kind = SelectField(
        "Kind of item",
        choices=[SelectChoice(kind.value, label) for kind, label in ITEM_LABELS.items()],
    )
    title = StringField(
        "Title",
        [InputRequired("Enter the title."), at_most(TITLE_MAX, "The title")],
        filters=[strip],
    )
    text = TextAreaField(
        "Exact text of the resolution, or a description",
        [at_most(TEXT_MAX, "The text")],
        description="Markdown works. Members are sent this text with the notice; "
        "once notice is given it cannot change.",
    )
    two_stage = BooleanField(
        "A special resolution under ss.109-110 of the Act (amalgamation, transfer of "
        "engagements): to be confirmed at a later general meeting"
    )
    confirms_id = SelectField("Confirms the special resolution passed at", choices=[], default="")


class DocumentForm(TextForm):
    title = StringField(
        "Title",
        [InputRequired("Enter the title."), at_most(TITLE_MAX, "The title")],
        filters=[strip],
        description="For example: Accounts for the year to 31 March 2027.",
    )
    file = FileField("PDF file", description="A PDF only.")


class MinutesForm(TextForm):
    text = TextAreaField(
        "Minutes",
        [InputRequired("Enter the minutes."), at_most(MINUTES_MAX, "The minutes")],
        description="Markdown works. They can be corrected until a later meeting approves them.",
    )
    public = BooleanField("Publish these minutes to everyone, not only to members")


class ApprovalForm(TextForm):
    minutes_of = SelectField("Minutes this item approves", choices=[], default="")
