from flask import current_app, render_template

from coop.privacy import bp


@bp.get("/privacy")
def notice():
    return render_template(
        "privacy/notice.html", version=current_app.config["PRIVACY_NOTICE_VERSION"]
    )
