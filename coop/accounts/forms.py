from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length

from coop.security import MAX_PASSWORD_LENGTH
from coop.validation import TextForm

EMAIL = [
    InputRequired("Enter your email address."),
    Length(max=254),
    Email("Enter a valid email address, like name@example.org."),
]


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def email_field(label: str, **kwargs) -> EmailField:
    return EmailField(label, EMAIL, filters=[strip], **kwargs)


NEW_PASSWORD_HINT = "At least 12 characters. A few unrelated words make a strong password."  # noqa: S105


def password_field(
    label: str, message: str = "Enter your password.", description: str = "", **options
) -> PasswordField:
    validators = [InputRequired(message), Length(max=MAX_PASSWORD_LENGTH)]
    return PasswordField(label, validators, description=description, **options)


class JoinForm(TextForm):
    display_name = StringField(
        "Name to show on your contributions",
        [InputRequired("Enter a name to show."), Length(max=60)],
        filters=[strip],
        description="Shown publicly next to what you write. It need not be your real name.",
    )
    email = email_field("Email address", description="Never shown to anyone.")
    password = password_field("Password", "Choose a password.", NEW_PASSWORD_HINT)
    notice_version = HiddenField()
    accept_privacy = BooleanField(
        "I have read the privacy notice",
        [DataRequired("Please read and accept the privacy notice.")],
    )
    political_consent = BooleanField(
        "I agree that the network keeps the views I express here (ideas, supports and votes) "
        "to count them, as the privacy notice explains",
        [DataRequired("Taking part means sharing your views, so we need this consent.")],
    )
    email_updates = BooleanField("Send me occasional news about the network by email (optional)")


class SignInForm(TextForm):
    email = email_field("Email address")
    password = password_field("Password")
    remember = BooleanField("Keep me signed in on this device")


class ConfirmAddressForm(TextForm):
    """Confirming an address proves the password too: someone who joined with another
    person's address cannot have that person confirm the account for them."""

    password = password_field(
        "Your password",
        description="The password you chose when you joined.",
    )


class EmailOnlyForm(TextForm):
    email = email_field("Email address")


class ResetPasswordForm(TextForm):
    password = password_field("New password", "Choose a new password.", NEW_PASSWORD_HINT)


class ChangePasswordForm(TextForm):
    current_password = password_field("Current password", "Enter your current password.")
    password = password_field("New password", "Choose a new password.", NEW_PASSWORD_HINT)


class ChangeEmailForm(TextForm):
    email = email_field("New email address")
    # The change of password form on the same page has a "password" of its own.
    password = password_field("Your password", id="email-password")


class CodeForm(TextForm):
    code = StringField(
        "Code",
        [InputRequired("Enter the code."), Length(max=20)],
        filters=[strip],
        description="The 6-digit code from your authenticator app, or a recovery code.",
    )


class TwoStepSetupForm(CodeForm):
    password = password_field(
        "Your password", description="Asked again: only you should change how you sign in."
    )


class TwoStepChangeForm(TextForm):
    action = RadioField(
        "What do you want to do?",
        choices=[
            SelectChoice("codes", "Make ten new recovery codes (the old ones stop working)"),
            SelectChoice("off", "Turn two-step sign-in off (organisers' and admins' powers stop)"),
        ],
        validators=[InputRequired("Choose what to do.")],
    )
    password = password_field("Your password")


class TwoStepResetForm(TextForm):
    """An admin turns off a member's two-step sign-in (a lost phone)."""

    email = email_field("Member's email address")
    reason = StringField(
        "Reason", [InputRequired("Give a reason: it goes into the audit log."), Length(max=500)]
    )


class RoleForm(TextForm):
    email = email_field("Member's email address")
    role = RadioField(
        "Role",
        choices=[
            SelectChoice("member", "Member"),
            SelectChoice("organiser", "Organiser: moderates, manages topics, opens votes"),
            SelectChoice("admin", "Admin: also manages roles and reads the audit log"),
        ],
        validators=[InputRequired("Choose a role.")],
    )
    reason = StringField(
        "Reason", [InputRequired("Give a reason: it goes into the audit log."), Length(max=500)]
    )
