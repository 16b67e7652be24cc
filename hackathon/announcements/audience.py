"""Who an announcement is for, as plain data (standard library only).

An audience is a set of filters combined by AND; no filter at all means everyone at the event (anyone with a
role there, an application, or a place in a team). Within one filter the values are alternatives (applicants
whose application is submitted OR waitlisted; teams of the water OR the budget track). The SQL that finds the
recipients (services.audience_query) builds one sub-select per filter below and intersects them, the same
combination `combine` computes here on sets, which the tests use as the reference.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

# The yes/no filters, in the order the form and the descriptions show them.
FLAGS = ("confirmed", "without_submission", "not_checked_in", "looking_for_team", "mentors", "jurors", "reviewers")


@dataclass(frozen=True)
class Audience:
    statuses: tuple[str, ...] = ()       # covered by an application in one of these statuses
    track_ids: tuple[int, ...] = ()      # in a team of one of these tracks
    confirmed: bool = False              # covered by a confirmed application (they take part)
    without_submission: bool = False     # in a team with no submitted project
    not_checked_in: bool = False         # in a team that has not posted a check-in
    looking_for_team: bool = False       # applied saying they look for a team, and are in none
    mentors: bool = False
    jurors: bool = False
    reviewers: bool = False

    @property
    def is_everyone(self) -> bool:
        return not self.active()

    def active(self) -> list[str]:
        """The names of the filters in use, in a fixed order."""
        return [f.name for f in fields(self) if getattr(self, f.name)]

    def as_dict(self) -> dict[str, Any]:
        """What the announcement row keeps: only the filters in use, lists sorted (so equal audiences are equal)."""
        out: dict[str, Any] = {}
        for name in self.active():
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else True
        return out


def parse_audience(raw: Mapping[str, Any] | None, *, statuses: Iterable[str]) -> Audience:
    """An Audience from stored or submitted values. Unknown keys are ignored; an unknown status or a track id that
    is not a positive whole number raises ValueError (the caller checks the tracks belong to the event)."""
    raw = raw or {}
    known = set(statuses)
    chosen = sorted({str(value) for value in raw.get("statuses") or ()})
    unknown = [value for value in chosen if value not in known]
    if unknown:
        raise ValueError(f"unknown status: {unknown[0]}")
    track_ids: set[int] = set()
    for value in raw.get("track_ids") or ():
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError("a track id is not a number")
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise ValueError("a track id is not a number")
        track_ids.add(int(text))
    return Audience(statuses=tuple(chosen), track_ids=tuple(sorted(track_ids)),
                    **{flag: bool(raw.get(flag)) for flag in FLAGS})


def combine(audience: Audience, everyone: set[int], groups: Mapping[str, set[int]]) -> set[int]:
    """The recipients as sets: everyone at the event, intersected with each filter's people.

    `groups` holds, for each flag, the people it selects ("mentors": {...}), for each status "status:<value>",
    and for each track "track:<id>". Values within one filter are united first."""
    result = set(everyone)
    if audience.statuses:
        result &= set().union(*(groups.get(f"status:{status}", set()) for status in audience.statuses))
    if audience.track_ids:
        result &= set().union(*(groups.get(f"track:{track}", set()) for track in audience.track_ids))
    for flag in FLAGS:
        if getattr(audience, flag):
            result &= groups.get(flag, set())
    return result


def pick_language(wanted: str | None, available: Iterable[str], languages: list[str]) -> str:
    """The language a person reads an announcement in: their own if the announcement has it, else the event's
    first language (always filled), else any the announcement has."""
    have = [code for code in available]
    if wanted and wanted in have:
        return wanted
    if languages and languages[0] in have:
        return languages[0]
    return have[0] if have else (languages[0] if languages else "en")
