"""Line-break opportunities for scripts written without spaces between words.

Pango breaks Thai through libthai but has no word breaker for Lao, Burmese or
Khmer: a sentence in those scripts is one unbreakable run that leaves its box.
ICU's line break iterator knows their words from its dictionaries; we put a
ZERO WIDTH SPACE at each break opportunity it finds inside a run, which Pango
treats as a place to break and draws as nothing.
"""

from __future__ import annotations

from functools import cache

import icu

ZWSP = "\u200b"


@cache
def _break_iterator(icu_locale: str) -> icu.BreakIterator:
    return icu.BreakIterator.createLineInstance(icu.Locale(icu_locale))


def insert_breaks(text: str, icu_locale: str) -> str:
    """Return ``text`` with a ZERO WIDTH SPACE at every line-break opportunity.

    Break opportunities after whitespace or an existing ZWSP are left alone,
    so the function is idempotent.
    """
    text = text.replace(ZWSP, "")
    iterator = _break_iterator(icu_locale)
    iterator.setText(text)
    # ICU counts in UTF-16 code units; Python strings in code points.
    utf16 = text.encode("utf-16-le")
    pieces: list[str] = []
    start = 0
    for boundary in iterator:
        end = len(utf16[: boundary * 2].decode("utf-16-le"))
        pieces.append(text[start:end])
        start = end
    out = []
    for i, piece in enumerate(pieces):
        out.append(piece)
        if i < len(pieces) - 1 and piece and not piece[-1].isspace():
            out.append(ZWSP)
    return "".join(out)


def words(text: str, icu_locale: str) -> list[str]:
    """The pieces between break opportunities, for tests and reports."""
    return [w for w in insert_breaks(text, icu_locale).replace(" ", ZWSP).split(ZWSP) if w]
