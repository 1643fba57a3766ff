from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Optional

from coop.ideas.forms import strip
from coop.membership.models import (
    ADDRESS_MAX,
    NAME_MAX,
    NOTE_MAX,
    OFFICE_LABELS,
    PAYMENT_LABELS,
    Ceased,
)
from coop.validation import Pounds, TextForm, at_most

PAYMENT_CHOICES = [SelectChoice(method.value, label) for method, label in PAYMENT_LABELS.items()]


class ApplyForm(TextForm):
    legal_name = StringField(
        "Your full legal name",
        [InputRequired("Enter your full legal name."), at_most(NAME_MAX, "The name")],
        filters=[strip],
        description="As the law requires it in the register of members; never shown publicly.",
    )
    postal_address = TextAreaField(
        "Your postal address",
        [InputRequired("Enter your postal address."), at_most(ADDRESS_MAX, "The postal address")],
        description="On separate lines, with the postcode.",
    )
    shares = IntegerField("Number of £1 shares", [Optional()], default=1)
    notices_by_email = BooleanField(
        "Send me notices of general meetings and other documents under the Act by email, "
        "at my account's address",
        default=True,
    )
    eligible = BooleanField("I meet the conditions for membership")
    agrees_to_rules = BooleanField("I have read the rules and agree to be bound by them")


class DetailsForm(TextForm):
    name = StringField(
        "Full legal name",
        [InputRequired("Enter the full legal name."), at_most(NAME_MAX, "The name")],
        filters=[strip],
    )
    postal_address = TextAreaField(
        "Postal address",
        [InputRequired("Enter the postal address."), at_most(ADDRESS_MAX, "The postal address")],
        description="On separate lines, with the postcode.",
    )
    notices_by_email = BooleanField("Notices and documents under the Act by email")


class PaymentForm(TextForm):
    method = RadioField("How it was paid", choices=PAYMENT_CHOICES)
    amount = Pounds("Amount received (£)")
    paid_on = DateField("Date received", [InputRequired("Enter the date it was received.")])
    reference = StringField(
        "Reference (optional)",
        [at_most(100, "The reference")],
        filters=[strip],
        description="A bank reference or receipt number.",
    )


class DecisionForm(TextForm):
    decision = RadioField(
        "Decision",
        choices=[SelectChoice("admit", "Admit"), SelectChoice("refuse", "Refuse")],
        validators=[InputRequired("Choose to admit or refuse.")],
    )
    reason = TextAreaField(
        "Reason",
        [at_most(NOTE_MAX, "The text")],
        description="Needed to refuse: the applicant is told it. Kept in the audit log.",
    )


class ApproveResignationForm(TextForm):
    refund = Pounds("Refund of the share (£)")
    method = RadioField("How the refund is paid", [Optional()], choices=PAYMENT_CHOICES)
    note = StringField("Note (optional)", [at_most(NOTE_MAX, "The text")], filters=[strip])


class CessationForm(TextForm):
    reason = RadioField(
        "Why the membership ends",
        choices=[
            SelectChoice(Ceased.DIED.value, "The member died"),
            SelectChoice(Ceased.NON_PAYMENT.value, "Non-payment, as the rules provide"),
        ],
        validators=[InputRequired("Choose why the membership ends.")],
    )
    on = DateField("Date", [InputRequired("Enter the date.")])
    note = StringField("Note (optional)", [at_most(NOTE_MAX, "The text")], filters=[strip])


class AppointForm(TextForm):
    email = StringField(
        "The officer's account (email address)",
        [
            InputRequired("Enter the email address of the officer's account."),
            at_most(254, "The email address"),
        ],
        filters=[strip],
    )
    office = SelectField(
        "Office",
        choices=[SelectChoice(office.value, label) for office, label in OFFICE_LABELS.items()],
    )
    name = StringField(
        "Full name",
        [InputRequired("Enter the officer's full name."), at_most(NAME_MAX, "The name")],
        filters=[strip],
    )
    postal_address = TextAreaField(
        "Postal address",
        [InputRequired("Enter the postal address."), at_most(ADDRESS_MAX, "The postal address")],
        description="On separate lines, with the postcode.",
    )
    took_office_on = DateField("Took office on", [InputRequired("Enter the date.")])
    note = StringField("Note (optional)", [at_most(NOTE_MAX, "The text")], filters=[strip])


class EndTermForm(TextForm):
    left_on = DateField("Left office on", [InputRequired("Enter the date.")])
    note = StringField("Note (optional)", [at_most(NOTE_MAX, "The text")], filters=[strip])
