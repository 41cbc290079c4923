"""The languages a poster can speak: any BCP 47 tag, set by its script.

A language is known by its tag (``fr``, ``ja``, ``zh-Hant``, ``hmn-Latn``).
Its script comes from the tag when the tag has one, otherwise from CLDR's
likely subtags (ICU's ``addLikelySubtags``), or from ``langcodes`` where ICU
has no data (Hmong); its English and native names from CLDR. Everything
about setting a script is declared once, in ``SCRIPTS``: the font stack
(families resolved through the system's fontconfig, see ``typeset.fonts``),
where lines may break (ICU's line breaker for the language, with its
dictionaries for Thai, Lao, Khmer and Burmese; Korean between words only;
Japanese between phrases) and the line height its stacked marks need.
Chinese and Japanese share Han characters but not their shapes: the CJK font
follows the language's script (``Hans``, ``Hant``, ``Jpan``, ``Kore``).

A campaign may declare a language in its ``languages:`` block (a name, a
script, a font stack, a line height), which needs no code change: a language
CLDR does not know, or one written in a script without fonts here.

Right-to-left scripts are refused until they are supported: they would be
laid out wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

import icu

# Latin letters, digits and punctuation for phone numbers, names and English text;
# Noto Sans also has Cyrillic, Greek and Vietnamese.
LATIN_FONT = "Noto Sans"


@dataclass(frozen=True)
class Script:
    code: str  # ISO 15924
    name: str
    fonts: tuple[str, ...]  # CSS font-family stack, first choice first
    line_height: float
    # Line breaks where ICU's line breaker for the language allows them (its dictionaries
    # for Thai, Lao, Khmer and Burmese, whose words have no spaces between them) ...
    segment: bool = True
    keep_words: bool = False  # ... or between words only (Korean)


SCRIPTS: dict[str, Script] = {
    s.code: s
    for s in (
        Script("Latn", "Latin", (LATIN_FONT,), 1.3),
        Script("Cyrl", "Cyrillic", (LATIN_FONT,), 1.3),
        Script("Grek", "Greek", (LATIN_FONT,), 1.3),
        Script("Thai", "Thai", ("Noto Sans Thai", LATIN_FONT), 1.5),
        Script("Laoo", "Lao", ("Noto Sans Lao", LATIN_FONT), 1.55),
        Script("Mymr", "Myanmar", ("Noto Sans Myanmar", LATIN_FONT), 1.8),
        Script("Khmr", "Khmer", ("Noto Sans Khmer", LATIN_FONT), 1.7),
        Script("Hans", "Han (Simplified)", ("Noto Sans CJK SC", LATIN_FONT), 1.35),
        Script("Hant", "Han (Traditional)", ("Noto Sans CJK TC", LATIN_FONT), 1.35),
        Script("Jpan", "Japanese", ("Noto Sans CJK JP", LATIN_FONT), 1.4),
        Script("Kore", "Hangul", ("Noto Sans CJK KR", LATIN_FONT), 1.4, False, keep_words=True),
    )
}
RIGHT_TO_LEFT = {
    "Arab": "Arabic",
    "Hebr": "Hebrew",
    "Syrc": "Syriac",
    "Thaa": "Thaana",
    "Nkoo": "N'Ko",
    "Adlm": "Adlam",
    "Rohg": "Hanifi Rohingya",
    "Mand": "Mandaic",
    "Samr": "Samaritan",
}
# Languages whose letters stack more marks than their script's others: Vietnamese
# sets two diacritics on one vowel (ế, ở).
LINE_HEIGHTS = {"vi": 1.35}
# Where a tag gives a script ICU folds into another: Han with Hangul is Korean's.
_SCRIPT_ALIASES = {"Hang": "Kore", "Hani": "Hans"}

# The Debian package that installs each font family (for "not installed" errors).
FONT_PACKAGES = (
    ("Noto Sans CJK", "fonts-noto-cjk"),
    ("Noto Serif CJK", "fonts-noto-cjk"),
    ("Noto Looped", "fonts-noto-extra"),
    ("Noto", "fonts-noto-core"),
    ("Phetsarath", "fonts-lao"),
    ("Saysettha", "fonts-lao"),
    ("DejaVu", "fonts-dejavu-core"),
)
_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_BUILT_IN = ("lo", "th", "vi", "zh-Hans", "ko", "my", "km", "en")


def font_package(family: str) -> str | None:
    return next((package for prefix, package in FONT_PACKAGES if family.startswith(prefix)), None)


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47, as the campaign file writes it; also in file names
    name: str  # English name, for messages
    native_name: str
    script: str  # ISO 15924
    fonts: tuple[str, ...]  # CSS font-family stack, first choice first
    segment: bool  # insert ICU's line-break opportunities (dictionaries for th, lo, km, my)
    line_height: float
    icu_locale: str
    # Break lines only between words (at spaces), never between the syllables of one:
    # Korean is set this way (CSS "word-break: keep-all", which WeasyPrint lacks).
    keep_words: bool = False

    @property
    def css_font_family(self) -> str:
        return ", ".join(f'"{family}"' for family in self.fonts)


@dataclass(frozen=True)
class Declaration:
    """What a campaign's ``languages:`` block says about one language; all optional."""

    name: str | None = None
    native_name: str | None = None
    script: str | None = None
    fonts: tuple[str, ...] | None = None
    line_height: float | None = None


class LanguageError(ValueError):
    """A tag that is ill-formed, unknown, or in a script that cannot be set."""


HOW_TO_DECLARE = (
    "declare it in the campaign's top-level 'languages:' block, e.g. "
    "languages: {{{tag}: {{name: ..., script: Latn, fonts: [Noto Sans]}}}}"
)


def _icu_locale(tag: str) -> icu.Locale:
    return icu.Locale.forLanguageTag(tag)


def likely_script(tag: str) -> str | None:
    """The script a tag is written in: its own script subtag, CLDR's likely subtags
    (ICU), or langcodes where ICU has none; None when nobody knows."""
    locale = _icu_locale(tag)
    if locale.getScript():
        return locale.getScript()
    maximal = icu.Locale(locale.getName())
    maximal.addLikelySubtags()
    if maximal.getScript():
        return maximal.getScript()
    import langcodes

    try:
        found = langcodes.Language.get(tag)
    except (ValueError, LookupError):
        return None
    if not found.is_valid() or found.language is None:
        return None
    # langcodes' likely subtags come from CLDR too, with data ICU leaves out (Hmong).
    script = found.maximize().script
    return script if script and found.maximize().language == found.language else None


def cldr_name(tag: str, in_locale: str = "en") -> str | None:
    """The language's name in CLDR (English by default); None when CLDR has none."""
    locale = _icu_locale(tag)
    language = locale.getLanguage()
    if not language:
        return None
    name = locale.getDisplayName(icu.Locale(in_locale))
    if locale.getDisplayLanguage(icu.Locale(in_locale)) == language:
        return None  # ICU echoes a code it has no name for
    return name


def resolve(tag: str, declaration: Declaration | None = None) -> Language:
    """The language of ``tag``, from CLDR and the script table, with what the campaign
    declared taking precedence. Raises ``LanguageError`` saying what to do."""
    if not isinstance(tag, str) or not _TAG.match(tag) or len(tag) > 35:
        raise LanguageError(
            f"'{tag}' is not a well-formed BCP 47 language tag (such as 'fr', 'zh-Hant' or "
            "'hmn-Latn')"
        )
    import langcodes

    if not langcodes.tag_is_valid(tag):
        raise LanguageError(
            f"'{tag}' is not a valid BCP 47 language tag (its language is not in the IANA "
            "registry); use the language's registered code, or a private-use code from qaa "
            "to qtz and " + HOW_TO_DECLARE.format(tag="qaa")
        )
    declaration = declaration or Declaration()
    script = declaration.script or likely_script(tag)
    script = _SCRIPT_ALIASES.get(script, script) if script else None
    name = declaration.name or cldr_name(tag)
    if name is None or script is None:
        what = "no name" if name is None else "no script"
        raise LanguageError(
            f"language '{tag}' is unknown (CLDR has {what} for it); "
            + (HOW_TO_DECLARE.format(tag=tag))
        )
    if script in RIGHT_TO_LEFT:
        raise LanguageError(
            f"{name} ('{tag}') is written right to left ({RIGHT_TO_LEFT[script]} script), "
            "which the posters cannot set yet: it would be laid out wrong"
        )
    setting = SCRIPTS.get(script)
    if setting is None and not declaration.fonts:
        raise LanguageError(
            f"{name} ('{tag}') is written in the {script} script, for which no font is "
            "declared; declare a font stack for it in the campaign's 'languages:' block "
            f"(languages: {{{tag}: {{fonts: [...]}}}})"
        )
    if declaration.fonts:
        fonts = tuple(declaration.fonts)
    else:
        assert setting is not None  # no setting and no fonts raised just above
        fonts = setting.fonts
    icu_locale = _icu_locale(tag).getName()
    native = declaration.native_name or cldr_name(tag, icu_locale) or name
    return Language(
        code=tag,
        name=name,
        native_name=native,
        script=script,
        fonts=fonts,
        segment=setting.segment if setting else True,  # ICU's line breaker knows every script
        line_height=declaration.line_height
        or LINE_HEIGHTS.get(_icu_locale(tag).getLanguage())
        or (setting.line_height if setting else 1.4),
        icu_locale=icu_locale,
        keep_words=bool(setting and setting.keep_words),
    )


@cache
def _resolved(tag: str) -> Language:
    return resolve(tag)


class LanguageRegistry(Mapping[str, Language]):
    """Every language by its tag: CLDR's, and those a campaign declared.

    ``registry[tag]`` resolves any tag (``KeyError`` when it cannot be used;
    ``problem(tag)`` says why); iteration gives the languages of the first
    sample campaigns, then the declared ones: any other tag works all the same.
    """

    def __init__(self) -> None:
        self._declared: dict[str, Declaration] = {}
        self._languages: dict[str, Language] = {}

    def declare(self, declarations: Mapping[str, Declaration]) -> None:
        """Use a campaign's declared languages, in place of any declared before: a
        process renders one campaign's posters at a time (each poster declares its own)."""
        declarations = dict(declarations)
        if declarations != self._declared:
            self._declared = declarations
            self._languages.clear()

    def declared(self) -> dict[str, Declaration]:
        return dict(self._declared)

    def get_language(self, tag: str) -> Language:
        """The language of ``tag``; raises ``LanguageError`` saying why it cannot be used."""
        if tag not in self._languages:
            declaration = self._declared.get(tag)
            self._languages[tag] = resolve(tag, declaration) if declaration else _resolved(tag)
        return self._languages[tag]

    def problem(self, tag: str) -> str | None:
        try:
            self.get_language(tag)
        except LanguageError as error:
            return str(error)
        return None

    def __getitem__(self, tag: str) -> Language:
        try:
            return self.get_language(tag)
        except LanguageError:
            raise KeyError(tag) from None

    def __contains__(self, tag: object) -> bool:
        return isinstance(tag, str) and self.problem(tag) is None

    def __iter__(self) -> Iterator[str]:
        tags = dict.fromkeys((*_BUILT_IN, *self._declared))
        return iter(tag for tag in tags if tag in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


LANGUAGES = LanguageRegistry()

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
    """Every family any script, alternative or declared language may use, each once,
    in a stable order."""
    families: dict[str, None] = {}
    for script in SCRIPTS.values():
        families.update(dict.fromkeys(script.fonts))
    for alternatives in FONT_ALTERNATIVES.values():
        for stack in alternatives.values():
            families.update(dict.fromkeys(stack))
    for declaration in LANGUAGES.declared().values():
        families.update(dict.fromkeys(declaration.fonts or ()))
    return list(families)
