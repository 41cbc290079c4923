"""The languages a poster can speak, declared in one place.

Each language names its script, the font stack the renderer may use for it
(families resolved through the system's fontconfig, see ``typeset.fonts``),
whether its words need a dictionary segmenter to break lines (ICU) or must
be kept whole (Korean), and the line height its stacked vowels and tone marks
need.
"""

from __future__ import annotations

from dataclasses import dataclass

# Latin letters, digits and punctuation for phone numbers, names and English text.
LATIN_FONT = "Noto Sans"


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47, also used in campaign files and file names
    name: str  # English name, for messages
    native_name: str
    script: str  # ISO 15924
    fonts: tuple[str, ...]  # CSS font-family stack, first choice first
    segment: bool  # insert line-break opportunities with ICU's dictionary breaker
    line_height: float
    icu_locale: str
    # Break lines only between words (at spaces), never between the syllables of one:
    # Korean is set this way (CSS "word-break: keep-all", which WeasyPrint lacks).
    keep_words: bool = False

    @property
    def css_font_family(self) -> str:
        return ", ".join(f'"{family}"' for family in self.fonts)


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("lo", "Lao", "ພາສາລາວ", "Laoo", ("Noto Sans Lao", LATIN_FONT), True, 1.55, "lo"),
        Language("th", "Thai", "ภาษาไทย", "Thai", ("Noto Sans Thai", LATIN_FONT), True, 1.5, "th"),
        Language("vi", "Vietnamese", "Tiếng Việt", "Latn", (LATIN_FONT,), False, 1.35, "vi"),
        Language(
            "zh-Hans",
            "Chinese (Simplified)",
            "简体中文",
            "Hans",
            ("Noto Sans CJK SC", LATIN_FONT),
            False,
            1.35,
            "zh_Hans",
        ),
        Language(
            "ko",
            "Korean",
            "한국어",
            "Kore",
            ("Noto Sans CJK KR", LATIN_FONT),
            False,
            1.4,
            "ko",
            keep_words=True,
        ),
        Language(
            "my", "Burmese", "မြန်မာဘာသာ", "Mymr", ("Noto Sans Myanmar", LATIN_FONT), True, 1.8, "my"
        ),
        Language(
            "km", "Khmer", "ភាសាខ្មែរ", "Khmr", ("Noto Sans Khmer", LATIN_FONT), True, 1.7, "km"
        ),
        Language("en", "English", "English", "Latn", (LATIN_FONT,), False, 1.3, "en"),
    )
}

# Alternative stacks a design may ask for by name (``fonts: {lo: phetsarath}``).
# Phetsarath OT has no Latin lower case: Noto Sans follows it for Latin text.
FONT_ALTERNATIVES: dict[str, dict[str, tuple[str, ...]]] = {
    "lo": {
        "phetsarath": ("Phetsarath OT", LATIN_FONT),
        "serif": ("Noto Serif Lao", "Noto Serif"),
        "looped": ("Noto Looped Lao", LATIN_FONT),
    },
}


def font_stack(code: str, alternative: str | None = None) -> tuple[str, ...]:
    """The font families for a language, or for one of its named alternatives."""
    if alternative:
        return FONT_ALTERNATIVES[code][alternative]
    return LANGUAGES[code].fonts


def all_font_families() -> list[str]:
    """Every family any language or alternative may use, each once, in a stable order."""
    families: dict[str, None] = {}
    for lang in LANGUAGES.values():
        families.update(dict.fromkeys(lang.fonts))
    for alternatives in FONT_ALTERNATIVES.values():
        for stack in alternatives.values():
            families.update(dict.fromkeys(stack))
    return list(families)
