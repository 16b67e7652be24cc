"""Jury scoring: rounds and weighted criteria, juror assignment, score sheets, leaderboard."""
from flask import Blueprint

bp = Blueprint("judging", __name__)
