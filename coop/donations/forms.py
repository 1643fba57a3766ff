from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from coop.donations.models import (
    ADDRESS_MAX,
    DONOR_LABELS,
    METHOD_LABELS,
    NAME_MAX,
    NOTE_MAX,
    REGIME_LABELS,
    Method,
)
from coop.ideas.forms import strip
from coop.validation import Pounds, TextForm, at_most, database_id

DECLARATION_LABELS = {
    "on_register": "On a UK electoral register, an overseas elector included (an individual)",
    "own_money": "The money is the donor's own, not given on someone else's behalf",
    "uk_registered": "Registered in the UK (a company or partnership)",
    "business_in_uk": "Carries on business in the UK (a company or partnership)",
    "shareholders_authorised": "Authorised by the shareholders (a company: Companies Act 2006, "
    "s.366)",
    "listed": "On the Certification Officer's list (a trade union)",
    "registered": "Registered (a building, friendly or registered society)",
    "two_or_more": "Two or more members (an unincorporated association)",
    "main_office_in_uk": "Main office in the UK (an unincorporated association)",
    "activities_in_uk": "Business or activities wholly or mainly in the UK (an association)",
}
REGIMES = [SelectChoice(regime.value, label) for regime, label in REGIME_LABELS.items()]


class DonorForm(TextForm):
    """Who gave, and what they declared (PPERA s.54): the donor's own words on the donate
    page, the treasurer's (LABELS) in the ledger."""

    LABELS: dict[str, str] = {}
    donor_kind = RadioField(
        "Who is giving",
        choices=[SelectChoice(kind.value, label) for kind, label in DONOR_LABELS.items()],
        validators=[InputRequired("Choose who is giving.")],
    )
    donor_name = StringField(
        "Full name (an individual: as on the electoral register; otherwise the registered name)",
        [InputRequired("Enter the donor's full name."), at_most(NAME_MAX, "The name")],
        filters=[strip],
    )
    donor_address = TextAreaField(
        "Address (an individual: home address as on the register; otherwise the registered office)",
        [InputRequired("Enter the address."), at_most(ADDRESS_MAX, "The address")],
    )
    number = StringField(
        "Company or partnership number (Companies House)", [at_most(16, "The number")],
        filters=[strip],
    )  # fmt: skip
    declarations = SelectMultipleField(
        "I confirm that",
        choices=[SelectChoice(key, label) for key, label in DECLARATION_LABELS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, text in self.LABELS.items():
            self[name].label.text = text


class GiftForm(DonorForm):
    LABELS = {
        "donor_kind": "Who gave it",
        "donor_name": "Donor's full name (as on the electoral register, or the registered name)",
        "donor_address": "Donor's address (home address as on the register, or registered office)",
        "declarations": "What the donor declared",
    }
    recipient_id = SelectField("For", coerce=database_id, validate_choice=False)
    amount = Pounds("Amount received (£)", maximum=10_000_000)
    received_on = DateField("Date received", [InputRequired("Enter the date it was received.")])
    method = RadioField(
        "How it was received",
        choices=[
            SelectChoice(m.value, label) for m, label in METHOD_LABELS.items() if m != Method.CARD
        ],
        validators=[InputRequired("Choose how it was received.")],
    )
    reference = StringField("Reference (optional)", [at_most(100, "The reference")])


class AcceptForm(TextForm):
    check_method = TextAreaField(
        "How the donor's permissibility was checked",
        [at_most(NOTE_MAX, "The text")],
        description="For example: found on the electoral register of Conwy on 2 May; "
        "Companies House shows the company active and registered in the UK.",
    )
    check_evidence = TextAreaField(
        "Evidence kept", [at_most(NOTE_MAX, "The text")],
        description="Where the evidence is: a screenshot, a letter, the register's extract.",
    )  # fmt: skip


class ReturnForm(TextForm):
    returned_to = RadioField(
        "Returned to",
        choices=[
            SelectChoice("donor", "The donor"),
            SelectChoice("payer", "Whoever paid it on the donor's behalf"),
            SelectChoice("commission", "The Electoral Commission (the donor cannot be identified)"),
        ],
        validators=[InputRequired("Choose where the money goes back to.")],
    )
    note = TextAreaField(
        "How and when it was returned",
        [InputRequired("Say how and when it was returned."), at_most(NOTE_MAX, "The text")],
    )


class RecipientForm(TextForm):
    name = StringField(
        "Name", [InputRequired("Enter the recipient's name."), at_most(NAME_MAX, "The name")],
        filters=[strip],
    )  # fmt: skip
    description = StringField("Description (optional)", [at_most(500, "The description")])
    regime = RadioField(
        "Status under the law", choices=REGIMES,
        validators=[InputRequired("Choose the recipient's status.")],
    )  # fmt: skip


class ThresholdForm(TextForm):
    regime = RadioField("Applies to", choices=REGIMES, validators=[InputRequired("Choose.")])
    kind = RadioField(
        "Threshold",
        choices=[
            SelectChoice("donation", "A gift over this is a donation (checked and recorded)"),
            SelectChoice("reporting", "Donations from one source in a year over this are reported"),
        ],
        validators=[InputRequired("Choose which threshold.")],
    )
    amount = Pounds("Amount (£)")
    effective_from = DateField("Takes effect on", [InputRequired("Enter the date.")])
    source = StringField(
        "Source (the Act, the statutory instrument, the guidance page)",
        [InputRequired("Say where the figure comes from."), at_most(1000, "The source")],
    )


class DonateForm(DonorForm):
    """What a donor says before paying: the law asks it of every donation (PPERA s.54)."""

    choice = RadioField(
        "How much",
        validate_choice=False,  # the suggested amounts come from the settings, in the view
        validators=[InputRequired("Choose an amount, or another amount.")],
    )
    amount = Pounds("Another amount (£)", maximum=10_000_000, required=False)
    frequency = RadioField(
        "How often",
        choices=[SelectChoice("once", "Once"), SelectChoice("monthly", "Every month")],
        default="once",
        validators=[InputRequired("Choose a single gift or a monthly one.")],
    )
    recipient_id = SelectField("Your gift is for", coerce=database_id, validate_choice=False)
    email = StringField(
        "Email address for your receipt",
        [InputRequired("Enter an email address for the receipt."), at_most(254, "The address")],
        filters=[strip],
    )


class StopForm(TextForm):
    """Only the CSRF token: the donor confirms stopping their monthly gift."""
