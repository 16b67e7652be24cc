"""Placeholder: routes arrive with the team form work."""
