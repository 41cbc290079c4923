"""Line-break opportunities from ICU, for every language.

Pango breaks Thai through libthai but has no word breaker for Lao, Burmese or
Khmer: a sentence in those scripts is one unbreakable run that leaves its box.
ICU's line break iterator knows their words from its dictionaries; we put a
ZERO WIDTH SPACE at each break opportunity it finds inside a run, which Pango
treats as a place to break and draws as nothing. Every other language gets
the opportunities of ICU's line breaker for it the same way (after a hyphen,
between Han characters but not before closing punctuation).

Korean is the other way round: words are separated by spaces, but Pango may
break between any two syllables of a word. ``keep_words`` forbids those breaks
with a WORD JOINER, so Korean lines break at spaces only. Japanese breaks
between phrases (``_japanese_phrases``).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import icu

ZWSP = "\u200b"
WORD_JOINER = "\u2060"


@cache
def _break_iterator(icu_locale: str) -> icu.BreakIterator:
    return icu.BreakIterator.createLineInstance(icu.Locale(icu_locale))


def insert_breaks(text: str, icu_locale: str) -> str:
    """Return ``text`` with a ZERO WIDTH SPACE at every line-break opportunity.

    Where a break would split a word ICU's dictionary cuts wrongly (a prefix
    and its word, a compound), a WORD JOINER forbids one instead. Break
    opportunities after whitespace are left alone; the function is idempotent.
    """
    text = text.replace(ZWSP, "").replace(WORD_JOINER, "")
    if icu_locale.split("_")[0] == "ja":
        return _japanese_phrases(text)
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
    lang = icu_locale.split("_")[0]
    inside = _inside_compounds(text, lang)
    out = []
    offset = 0
    for i, piece in enumerate(pieces):
        out.append(piece)
        offset += len(piece)
        following = pieces[i + 1] if i < len(pieces) - 1 else ""
        if not following or not piece or piece[-1].isspace():
            continue
        if offset in inside or piece in _PREFIXES.get(lang, ()):
            # Pango breaks Thai by itself (libthai): a WORD JOINER forbids it here.
            out.append(WORD_JOINER)
        else:
            out.append(ZWSP)
    return "".join(out)


# Prefixes that make a noun of the word they follow: Lao ການ, ຄວາມ, ນັກ, ຜູ້ and
# Thai การ, ความ, นัก, ผู้ (the act of, the quality of, one who, person who).
# ICU's dictionaries sometimes split them off ("ນັກ | ທ່ອງທ່ຽວ", tourist); a
# line must not end on one.
_PREFIXES = {
    "lo": frozenset({"ການ", "ຄວາມ", "ນັກ", "ຜູ້"}),
    "th": frozenset({"การ", "ความ", "นัก", "ผู้"}),
}
# Words ICU's dictionaries split that a line must not: Thai ท่องเที่ยว (to travel),
# which ICU cuts into ท่อง | เที่ยว.
_COMPOUNDS = {"th": ("ท่องเที่ยว",)}


def _inside_compounds(text: str, lang: str) -> set[int]:
    """Offsets strictly inside an occurrence of one of the language's compounds."""
    inside: set[int] = set()
    for word in _COMPOUNDS.get(lang, ()):
        start = text.find(word)
        while start >= 0:
            inside.update(range(start + 1, start + len(word)))
            start = text.find(word, start + 1)
    return inside


def _boundaries(iterator: icu.BreakIterator, text: str) -> list[int]:
    """The iterator's boundaries in ``text``, in code points (ICU counts UTF-16 units)."""
    iterator.setText(text)
    utf16 = text.encode("utf-16-le")
    return [len(utf16[: boundary * 2].decode("utf-16-le")) for boundary in iterator]


@cache
def _word_iterator(icu_locale: str) -> icu.BreakIterator:
    return icu.BreakIterator.createWordInstance(icu.Locale(icu_locale))


def _is_hiragana(char: str) -> bool:
    return "\u3041" <= char <= "\u309f" or char == "\u30fc"


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


MAX_PHRASE = 14  # characters; a longer phrase may break between its words


def _japanese_phrases(text: str) -> str:
    """Japanese broken between phrases, the way it is set on signs.

    ICU's line breaker for Japanese (strict: never before a small kana, a
    prolonged sound mark or closing punctuation) allows a break between any two
    characters; a headline broken so can leave one kana on a line. Breaks are
    kept only where ICU's dictionary sees a word start, and not before a word
    of hiragana (particles and endings belong to the word before), nor inside a
    compound of kanji: "子どもは | 観光名所では..." stays in phrases. Each phrase is held together by
    WORD JOINERs; a ZERO WIDTH SPACE marks each break between phrases.
    """
    lines = set(_boundaries(_break_iterator("ja@lb=strict"), text))
    candidates = [b for b in _boundaries(_word_iterator("ja"), text) if 0 < b < len(text)]
    candidates = [b for b in candidates if b in lines]
    phrases = [
        b
        for b in candidates
        if not _is_hiragana(text[b]) and not (_is_han(text[b - 1]) and _is_han(text[b]))
    ]
    breaks: list[int] = []
    for start, end in zip([0, *phrases], [*phrases, len(text)], strict=True):
        if end - start > MAX_PHRASE:  # a long phrase may break between its words
            breaks += [b for b in candidates if start < b < end]
        breaks.append(end)
    out, start = [], 0
    for end in breaks:
        piece = text[start:end]
        out.append(
            "".join(
                char + WORD_JOINER
                if i + 1 < len(piece) and not char.isspace() and not piece[i + 1].isspace()
                else char
                for i, char in enumerate(piece)
            )
        )
        start = end
    return ZWSP.join(out)


def words(text: str, icu_locale: str) -> list[str]:
    """The pieces between break opportunities, for tests and reports."""
    segmented = insert_breaks(text, icu_locale).replace(WORD_JOINER, "")
    return [w for w in segmented.replace(" ", ZWSP).split(ZWSP) if w]


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return (
        0xAC00 <= code <= 0xD7A3  # syllables
        or 0x1100 <= code <= 0x11FF  # jamo
        or 0x3130 <= code <= 0x318F  # compatibility jamo
        or 0xA960 <= code <= 0xA97F  # jamo extended-A
        or 0xD7B0 <= code <= 0xD7FF  # jamo extended-B
    )


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def keep_words(text: str) -> str:
    """Return ``text`` with a WORD JOINER between the letters of each Korean word.

    Pango, like the Unicode line-breaking rules, may break between any two
    Hangul syllables; Korean is set breaking at spaces only (CSS
    ``word-break: keep-all``, which WeasyPrint does not implement). A WORD
    JOINER forbids the break and draws as nothing. Idempotent.
    """
    text = text.replace(WORD_JOINER, "")
    out = []
    for i, char in enumerate(text):
        out.append(char)
        following = text[i + 1] if i + 1 < len(text) else ""
        if (
            following
            and _is_word_char(char)
            and _is_word_char(following)
            and (_is_hangul(char) or _is_hangul(following))
        ):
            out.append(WORD_JOINER)
    return "".join(out)
