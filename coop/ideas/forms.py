from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length

from coop.ideas.models import BODY_MAX, TITLE_MAX
from coop.validation import TextForm


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class IdeaForm(TextForm):
    title = StringField(
        "Title",
        [InputRequired("Enter a title."), Length(max=TITLE_MAX)],
        filters=[strip],
        description=f"Say what you propose in a few words (up to {TITLE_MAX} characters).",
    )
    body = TextAreaField(
        "Your idea",
        [InputRequired("Enter a description of your idea."), Length(max=BODY_MAX)],
        description="Why it matters and what should happen. You can use Markdown: "
        "**bold**, *italic*, lists and links.",
    )
    topic_id = SelectField("Topic", coerce=int, validate_choice=False)

    def set_topics(self, topics) -> None:
        choices = [SelectChoice(0, "Choose a topic")]
        self.topic_id.choices = choices + [SelectChoice(t.id, t.name) for t in topics]


class TopicForm(TextForm):
    name = StringField("Name", [InputRequired("Enter a name."), Length(max=60)], filters=[strip])
    description = StringField("Description (optional)", [Length(max=280)], filters=[strip])
