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
