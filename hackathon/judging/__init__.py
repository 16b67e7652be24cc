"""Jury scoring: rounds and weighted criteria, juror assignment, score sheets, leaderboard, shortlist."""
