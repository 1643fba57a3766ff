from flask import Blueprint

bp = Blueprint("data_export", __name__)
