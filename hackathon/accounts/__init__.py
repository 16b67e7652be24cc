"""Accounts: registration, sign-in, confirmation, password reset, profile, API tokens."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)
