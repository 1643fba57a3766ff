from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length

from coop.comments.models import COMMENT_MAX
from coop.validation import TextForm


class CommentForm(TextForm):
    body = TextAreaField(
        "Your comment",
        [InputRequired("Write your comment first."), Length(max=COMMENT_MAX)],
        description="Be kind and stay on the subject. Markdown works.",
    )
    parent_id = HiddenField()
