"""Events: the hackathon, its phases and tracks, and the people's roles in it."""
from flask import Blueprint

bp = Blueprint("events", __name__)
