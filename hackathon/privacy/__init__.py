"""Personal data: a person's export and erasure, each event's retention period and purge, consent versions."""
from flask import Blueprint

bp = Blueprint("privacy", __name__)
