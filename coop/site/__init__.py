from flask import Blueprint

bp = Blueprint("site", __name__)

from coop.site import views  # noqa: E402, F401
