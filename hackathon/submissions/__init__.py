"""Project submissions: the team's form, files, deadlines, versions; organisers' list; the public gallery."""
from flask import Blueprint

bp = Blueprint("submissions", __name__)
