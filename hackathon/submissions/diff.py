"""Line differences between two texts, as rows a template can show (pure: standard library only)."""
from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "same", "added" or "removed"
    text: str


def line_diff(old: str | None, new: str | None) -> list[DiffRow]:
    """Every line of both texts in reading order, each marked same / removed / added. Never HTML."""
    old_lines = (old or "").splitlines()
    new_lines = (new or "").splitlines()
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(DiffRow("same", line) for line in old_lines[i1:i2])
            continue
        rows.extend(DiffRow("removed", line) for line in old_lines[i1:i2])
        rows.extend(DiffRow("added", line) for line in new_lines[j1:j2])
    return rows


def list_diff(old: list | None, new: list | None) -> tuple[list, list]:
    """(removed, added) items between two lists, keeping each list's order."""
    old, new = list(old or []), list(new or [])
    return [item for item in old if item not in new], [item for item in new if item not in old]
