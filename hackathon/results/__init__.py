"""Results: the final ranking, prizes, publishing the results and the public results page."""
from flask import Blueprint

bp = Blueprint("results", __name__)
