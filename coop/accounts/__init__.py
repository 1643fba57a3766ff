from flask import Blueprint

bp = Blueprint("accounts", __name__)

from coop.accounts import sessions, views  # noqa: E402, F401
