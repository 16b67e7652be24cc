"""Placeholder: filled by the team form work."""
ROUTES: list = []
