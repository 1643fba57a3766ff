from flask import Blueprint

bp = Blueprint("account_deletion", __name__)
