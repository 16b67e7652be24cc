"""Webhooks: organisers' HTTPS endpoints that are told, signed, about what happens at their event."""
from flask import Blueprint

bp = Blueprint("webhooks", __name__)
