"""WSGI entry point: `gunicorn wsgi:app` (HACKATHON_ENV picks the configuration)."""
from hackathon import create_app

app = create_app()
