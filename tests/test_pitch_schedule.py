"""The pitch schedule maths (hackathon/judging/pitch.py): slots, orders with a kept seed, breaks, iCalendar."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hackathon.judging.pitch import ical, plan

START = datetime(2021, 7, 10, 8, 0, tzinfo=timezone.utc)


def test_slots_follow_each_other_with_questions_and_changeover():
    slots = plan([11, 12, 13], starts_at=START, pitch_minutes=5, qa_minutes=3, changeover_minutes=2)
    assert [s.project_id for s in slots] == [11, 12, 13] and [s.position for s in slots] == [1, 2, 3]
    assert [s.starts_at - START for s in slots] == [timedelta(0), timedelta(minutes=10), timedelta(minutes=20)]
    assert slots[0].pitch_ends_at - START == timedelta(minutes=5) and slots[0].ends_at - START == timedelta(minutes=8)


def test_orders_and_a_kept_seed():
    projects = list(range(1, 17))
    assert [s.project_id for s in plan(projects, starts_at=START, pitch_minutes=5, qa_minutes=0,
                                       changeover_minutes=0, order="reverse")] == projects[::-1]
    first = [s.project_id for s in plan(projects, starts_at=START, pitch_minutes=5, qa_minutes=0,
                                        changeover_minutes=0, order="random", seed=42)]
    again = [s.project_id for s in plan(projects, starts_at=START, pitch_minutes=5, qa_minutes=0,
                                        changeover_minutes=0, order="random", seed=42)]
    other = [s.project_id for s in plan(projects, starts_at=START, pitch_minutes=5, qa_minutes=0,
                                        changeover_minutes=0, order="random", seed=43)]
    assert first == again and sorted(first) == projects and first != other


def test_breaks_and_bad_input():
    slots = plan([1, 2, 3, 4], starts_at=START, pitch_minutes=5, qa_minutes=5, changeover_minutes=0,
                 break_after=2, break_minutes=15)
    assert slots[2].starts_at - slots[1].ends_at == timedelta(minutes=15)
    assert slots[1].starts_at == slots[0].ends_at and slots[3].starts_at == slots[2].ends_at
    for kwargs in ({"pitch_minutes": 0}, {"qa_minutes": -1}, {"order": "alphabetical"}):
        with pytest.raises(ValueError):
            plan([1], **({"starts_at": START, "pitch_minutes": 5, "qa_minutes": 0, "changeover_minutes": 0} | kwargs))


def test_icalendar_escapes_folds_and_uses_utc():
    text = ical([("slot-1@hack", "Pitch: Таза Суу; team, 1", START, START + timedelta(minutes=8),
                  "Call: https://meet.example.org/" + "x" * 80)], calendar_name="Pitch", stamp=START)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20210710T080000Z" in text and "DTEND:20210710T080800Z" in text
    assert "SUMMARY:Pitch: Таза Суу\\; team\\, 1" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "\r\n x" in text  # the long description is folded
