"""Cleaning of the texts people type (names, titles, descriptions) before they are stored or compared."""
from __future__ import annotations

import unicodedata

# Bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069): a name holding one reorders the text
# around it on every page that shows it ("Team ‮gnp.exe" reads as "Team exe.png").
BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_KEPT_IN_TEXTS = frozenset("\n\r\t")  # a multi-line text keeps its line breaks (as typed) and tabs


def _removed(ch: str, keep: frozenset[str]) -> bool:
    if ch in keep:
        return False
    return ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs")


def clean_text(value: str | None) -> str:
    """A multi-line text without control characters (line breaks and tabs stay), bidi overrides or lone
    surrogates, trimmed. Zero-width joiners stay: emoji and some scripts need them."""
    if not value:
        return ""
    return "".join(ch for ch in value if not _removed(ch, _KEPT_IN_TEXTS)).strip()


def clean_line(value: str | None) -> str:
    """A one-line text (a name, a title): no control characters at all, no bidi overrides, any run of
    whitespace as one space, trimmed."""
    if not value:
        return ""
    return " ".join("".join(ch for ch in value if not _removed(ch, _KEPT_IN_TEXTS)).split())


# Russian and Kyrgyz letters in Latin, for file names (ASCII in every browser and file system).
_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяңөү",
                     "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch  y  e yu ya ng o u".split(" ")))


def ascii_slug(value: str, fallback: str = "file") -> str:
    """"Дата Келечек" → "data-kelechek", "Data: Kelechek!" → "data-kelechek": for download file names."""
    letters = []
    for ch in unicodedata.normalize("NFC", value.casefold()):
        if ch in _CYRILLIC:
            letters.append(_CYRILLIC[ch])
            continue
        for part in unicodedata.normalize("NFKD", ch):  # "é" → "e" and a dropped accent
            letters.append(part if part.isascii() and part.isalnum() else "" if unicodedata.combining(part) else "-")
    slug = "-".join(part for part in "".join(letters).split("-") if part)
    return slug[:80].strip("-") or fallback


def attachment_disposition(ascii_name: str, name: str | None = None) -> str:
    """A Content-Disposition for a download: `ascii_name` for every client and, when `name` is not ASCII,
    the same in full Unicode as filename* (RFC 6266)."""
    from urllib.parse import quote

    header = f'attachment; filename="{ascii_name}"'
    if name and name != ascii_name and not name.isascii():
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header
