"""CSV for spreadsheet programs: UTF-8 with a byte order mark, formula injection neutralised. Stdlib only.

A spreadsheet treats a cell that starts with =, +, -, @ (or a tab or carriage return that it strips first) as
a formula, so an applicant who types `=HYPERLINK(...)` in an answer could run it on an organiser's machine.
Such cells get a leading apostrophe, which spreadsheets show as text. Everything else is written verbatim:
CSV is not HTML, so `<script>` stays `<script>`.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Iterable

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """The cell as text, with an apostrophe in front when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_document(header: list[str], rows: Iterable[list[object]]) -> bytes:
    """The whole file: BOM, header, rows; CRLF line ends as RFC 4180 says, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def export_filename(slug: str, now: datetime) -> str:
    """`applications-<slug>-<date>.csv` with only safe characters (no quotes, slashes or line breaks)."""
    safe = re.sub(r"[^A-Za-z0-9-]+", "-", slug).strip("-")[:64] or "event"
    return f"applications-{safe}-{now:%Y%m%d}.csv"
