from flask import Blueprint

bp = Blueprint("privacy", __name__)

from coop.privacy import views  # noqa: E402, F401
