from flask import Blueprint, current_app, render_template

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def notice():
    return render_template(
        "privacy/notice.html", version=current_app.config["PRIVACY_NOTICE_VERSION"]
    )
