from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired

from coop.ideas.forms import strip
from coop.updates.models import UPDATE_BODY_MAX, UPDATE_TITLE_MAX
from coop.updates.services import REASON_MAX
from coop.validation import TextForm, at_most


class UpdateForm(TextForm):
    title = StringField(
        "Title",
        [InputRequired("Enter a title."), at_most(UPDATE_TITLE_MAX, "The title")],
        filters=[strip],
        description=f"What happened, in a few words (up to {UPDATE_TITLE_MAX} characters).",
    )
    body = TextAreaField(
        "Update",
        [InputRequired("Enter the text of the update."), at_most(UPDATE_BODY_MAX, "The update")],
        description="Public, and included in members' digest emails: keep to plain, neutral "
        "words. You can use Markdown: **bold**, *italic*, lists and links.",
    )


class DeleteUpdateForm(TextForm):
    reason = StringField(
        "Reason for deleting (kept in the audit log)",
        [
            InputRequired("Enter the reason for deleting this update."),
            at_most(REASON_MAX, "The reason"),
        ],
        filters=[strip],
    )
