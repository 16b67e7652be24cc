"""Mentoring: mentor profiles and assignment to teams, check-ins and reviews, challenges, help requests."""
from flask import Blueprint

bp = Blueprint("mentoring", __name__)
