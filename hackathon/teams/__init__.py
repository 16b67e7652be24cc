"""Teams: creating teams, inviting and joining members, the team formation board."""
from flask import Blueprint

bp = Blueprint("teams", __name__)
