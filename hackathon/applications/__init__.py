"""Applications: the event's application form, applying alone or as a team, review and decisions."""
from flask import Blueprint

bp = Blueprint("applications", __name__)
