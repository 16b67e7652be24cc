"""Pitch-day schedule maths: pure functions of plain values (no Flask).

A pitch final runs as consecutive slots: each team pitches, answers questions, then the next team changes
over. The order is the shortlist's (best first or last, as the organisers choose) or random with a kept seed, so
that the same seed always gives the same schedule.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

ORDERS = ("shortlist", "reverse", "random")


@dataclass(frozen=True)
class Slot:
    project_id: int
    position: int          # 1, 2, 3…
    session: int           # 1, 2…: a break starts the next session
    starts_at: datetime
    pitch_ends_at: datetime
    ends_at: datetime      # end of the questions; the next slot starts after the changeover


def plan(projects: list[int], *, starts_at: datetime, pitch_minutes: int, qa_minutes: int,
         changeover_minutes: int, order: str = "shortlist", seed: int = 0,
         break_after: int = 0, break_minutes: int = 0) -> list[Slot]:
    """Slots for `projects` (given in shortlist order). With `break_after` = n > 0, a break of `break_minutes`
    follows every n-th slot."""
    if order not in ORDERS:
        raise ValueError(f"order is one of {ORDERS}")
    if pitch_minutes <= 0 or qa_minutes < 0 or changeover_minutes < 0 or break_minutes < 0 or break_after < 0:
        raise ValueError("durations must be positive (questions, changeover and breaks may be zero)")
    ordered = list(projects)
    if order == "reverse":
        ordered.reverse()
    elif order == "random":
        random.Random(seed).shuffle(ordered)
    slots = []
    moment = starts_at
    for position, project_id in enumerate(ordered, start=1):
        pitch_end = moment + timedelta(minutes=pitch_minutes)
        end = pitch_end + timedelta(minutes=qa_minutes)
        session = 1 + (position - 1) // break_after if break_after else 1
        slots.append(Slot(project_id, position, session, moment, pitch_end, end))
        moment = end + timedelta(minutes=changeover_minutes)
        if break_after and position % break_after == 0 and position < len(ordered):
            moment += timedelta(minutes=break_minutes)
    return slots


def ical(slots: list[tuple[str, str, datetime, datetime, str]], *, calendar_name: str, stamp: datetime) -> str:
    """An iCalendar (RFC 5545) text of events given as (uid, summary, start, end, description), times in UTC."""
    def escape(text: str) -> str:
        return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                .replace("\r\n", "\\n").replace("\n", "\\n"))

    def fold(line: str) -> list[str]:
        # Lines longer than 75 octets are folded with CRLF and a space (RFC 5545, 3.1).
        out, current = [], ""
        for char in line:
            if len((current + char).encode()) > 75:
                out.append(current)
                current = " " + char
            else:
                current += char
        return out + [current]

    def utc(moment: datetime) -> str:
        return moment.strftime("%Y%m%dT%H%M%SZ")

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//hackathon//pitch schedule//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{escape(calendar_name)}"]
    for uid, summary, start, end, description in slots:
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{utc(stamp)}", f"DTSTART:{utc(start)}",
                  f"DTEND:{utc(end)}", f"SUMMARY:{escape(summary)}"]
        if description:
            lines.append(f"DESCRIPTION:{escape(description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(folded for line in lines for folded in fold(line)) + "\r\n"
