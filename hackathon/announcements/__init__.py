"""Announcements: organisers tell an audience of the event something, by mail and on the event's News page."""
from flask import Blueprint

bp = Blueprint("announcements", __name__)
