"""JSON API under /api/v1, authenticated by personal tokens (Authorization: Bearer ...)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
