"""Characters no campaign text may hold, whatever its language.

A campaign file comes from anyone: a ministry, an NGO, a translator's editor.
Some characters have no place on a poster and can do harm: control characters
(an escape sequence rewrites the terminal the error is printed on), lone
surrogates and noncharacters (not text at all), bidirectional controls (an
override prints "Call 1554" as "4551 llaC": none of the poster languages is
written right to left), and long runs of combining marks (stacked marks that
climb off the page). They are refused when the file is loaded, with the line.
"""

from __future__ import annotations

import unicodedata

MAX_VALUE_CHARS = 10_000  # any value or key; texts have their own, smaller limit
MAX_MARKS_IN_A_ROW = 10  # Burmese, the most, stacks about 5
ALLOWED_CONTROLS = {"\n", "\t"}
BIDI_CONTROLS = {
    "\u061c",  # ARABIC LETTER MARK
    "\u200e",  # LEFT-TO-RIGHT MARK
    "\u200f",  # RIGHT-TO-LEFT MARK
    *(chr(c) for c in range(0x202A, 0x202F)),  # embeddings and overrides
    *(chr(c) for c in range(0x2066, 0x206A)),  # isolates
}


def describe(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def character_problem(value: str) -> str | None:
    """Why ``value`` cannot be in a campaign file, or None when it can."""
    if len(value) > MAX_VALUE_CHARS:
        return f"a value of {len(value):,} characters; the limit is {MAX_VALUE_CHARS:,}"
    marks = 0
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        where = f" at character {index + 1}"
        if category == "Cc" and char not in ALLOWED_CONTROLS:
            return f"control character {describe(char)}{where} is not allowed"
        if category == "Cs":
            return f"invalid Unicode: lone surrogate {describe(char)}{where}"
        if _is_noncharacter(ord(char)):
            return f"invalid Unicode: noncharacter {describe(char)}{where}"
        if char in BIDI_CONTROLS:
            return (
                f"bidirectional control {describe(char)}{where} is not allowed: it can "
                "reorder what the poster shows, and no poster language is written right to left"
            )
        marks = marks + 1 if category.startswith("M") else 0
        if marks > MAX_MARKS_IN_A_ROW:
            return (
                f"more than {MAX_MARKS_IN_A_ROW} combining marks in a row{where}: "
                "they stack off the line"
            )
    return None
