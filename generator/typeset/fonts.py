"""The renderer's fonts: only the declared ones, and a coverage check before rendering.

Font families are declared in ``generator.campaign.languages``. They are found through
the system's fontconfig once, and the renderer is then given a private
fontconfig configuration that holds exactly those files: a build does not
change because someone installed another font, and Pango cannot quietly fall
back to a font nobody chose.

Pango draws a box ("tofu") for a character its fonts lack. Here such a
character is an error before rendering: ``check_coverage`` names it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import icu
from fontTools.ttLib import TTFont

from ..campaign.languages import (
    LANGUAGES,
    Language,
    all_font_families,
    cldr_name,
    font_package,
    font_stack,
)
from ..errors import PosterFailure

# Characters drawn as nothing, which no font needs to have.
_INVISIBLE_CATEGORIES = {"Cf", "Zl", "Zp"}


class FontError(PosterFailure):
    """A declared font is missing, or a text has a character no font of its stack covers
    (the field at fault given where the text is known: ``PosterContext.text``)."""


@dataclass(frozen=True)
class FontFace:
    family: str
    file: Path
    index: int  # face index inside a .ttc collection


@cache
def system_faces() -> tuple[FontFace, ...]:
    """Every face the system's fontconfig knows, with all its family names."""
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    try:
        listing = subprocess.run(
            ["fc-list", "--format", "%{family}\t%{file}\t%{index}\n"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise FontError(f"cannot list the system's fonts with fc-list: {error}") from None
    faces = []
    for row in listing.splitlines():
        families, file, index = row.split("\t")
        for family in families.replace("\\,", "\0").split(","):
            faces.append(FontFace(family.replace("\0", ","), Path(file), int(index or 0)))
    return tuple(faces)


def faces_of(family: str) -> list[FontFace]:
    return sorted(
        (face for face in system_faces() if face.family == family),
        key=lambda face: (str(face.file), face.index),
    )


def declared_files() -> dict[str, list[Path]]:
    """Font files per declared family; a family with none is missing."""
    return {
        family: sorted({face.file for face in faces_of(family)}) for family in all_font_families()
    }


def private_fontconfig(cache_root: Path | None = None) -> Path:
    """Write a fontconfig configuration holding only the declared fonts; return its path.

    Missing families are left out here and reported by ``check_coverage`` or
    ``poster doctor`` when a text needs them.
    """
    files = sorted({file for paths in declared_files().values() for file in paths})
    digest = hashlib.sha256("\n".join(map(str, files)).encode()).hexdigest()[:16]
    cache_root = (
        cache_root
        or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "poster-generator"
    )
    folder = cache_root / f"fonts-{digest}"
    config = folder / "fonts.conf"
    if config.is_file():
        return config
    links = folder / "files"
    links.mkdir(parents=True, exist_ok=True)
    for i, file in enumerate(files):
        link = links / f"{i:03d}-{file.name}"
        with contextlib.suppress(FileExistsError):  # two builds starting at once both make it
            link.symlink_to(file)
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{links}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n</fontconfig>\n"
    )
    temporary = config.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(text)
    temporary.replace(config)
    return config


def use_private_fontconfig() -> Path:
    """Point fontconfig at the private configuration; call before WeasyPrint loads fonts.
    Cheap when called again: the configuration is made once per set of families (a
    campaign's declared fonts make a new one)."""
    config = _private_fontconfig_for(tuple(all_font_families()))
    os.environ["FONTCONFIG_FILE"] = str(config)
    return config


@cache
def _private_fontconfig_for(families: tuple[str, ...]) -> Path:
    return private_fontconfig()


@cache
def _charset(family: str) -> frozenset[int]:
    faces = faces_of(family)
    if not faces:
        raise FontError(not_installed(family))
    face = faces[0]  # the faces of one family share their character set closely enough
    # HarfBuzz reads the cmap in C: 2 ms for a CJK face, where fontTools took 100 ms,
    # paid at every load of a campaign with Chinese (the same set, checked in tests).
    import uharfbuzz  # 40 ms to import: only when a character set is asked for

    blob = uharfbuzz.Blob.from_file_path(str(face.file))
    return frozenset(uharfbuzz.Face(blob, face.index).unicodes)


@cache
def _stack_charset(families: tuple[str, ...]) -> frozenset[int]:
    out: set[int] = set()
    for family in families:
        out |= _charset(family)
    return frozenset(out)


def stack_charset(families: Iterable[str]) -> frozenset[int]:
    """The characters any of ``families`` can draw (computed once per stack: the CJK
    union has some 45,000 entries and is asked for every text in every fit round)."""
    return _stack_charset(tuple(families))


def missing_characters(text: str, families: Iterable[str]) -> list[str]:
    """Characters of ``text`` that none of ``families`` can draw, each once, in order."""
    covered = stack_charset(tuple(families))
    missing: dict[str, None] = {}
    for char in text:
        if char.isspace() or unicodedata.category(char) in _INVISIBLE_CATEGORIES:
            continue
        if ord(char) not in covered:
            missing[char] = None
    return list(missing)


def check_coverage(text: str, lang: str, where: str, alternative: str | None = None) -> None:
    """Raise ``FontError`` naming the language, the place and the character no font covers."""
    missing = missing_characters(text, font_stack(lang, alternative))
    if missing:
        shown = ", ".join(f"'{c}' U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in missing[:5])
        language = LANGUAGES[lang].name
        raise FontError(
            f"{where} ({language}, '{lang}'): no declared font has {shown}; fix the text or "
            f"declare fonts that cover it in the campaign's 'languages:' block ({lang}: fonts)"
        )


def not_installed(family: str) -> str:
    package = font_package(family)
    install = f"install the Debian package {package}" if package else "install it"
    return f"font family '{family}' is not installed: {install} (see 'poster doctor')"


def exemplar_characters(language: Language) -> list[str]:
    """CLDR's standard exemplar characters of the language (its everyday letters), as
    single characters; none when CLDR has no data of its own for the language."""
    if cldr_name(language.code) is None:
        return []
    data = icu.LocaleData(language.icu_locale)
    found = data.getExemplarSet(0, icu.ULocaleDataExemplarSetType.ES_STANDARD)
    return sorted({char for item in found for char in item})


def language_font_problem(language: Language) -> str | None:
    """Why the language's fonts cannot set it, or None: a family not installed, or
    letters of the language (CLDR's exemplar characters) no family of the stack has."""
    for family in language.fonts:
        if not faces_of(family):
            return f"{language.name} ('{language.code}'): {not_installed(family)}"
    covered = stack_charset(language.fonts)
    missing = [
        char
        for char in exemplar_characters(language)
        if ord(char) not in covered and unicodedata.category(char) not in _INVISIBLE_CATEGORIES
    ]
    if not missing:
        return None
    shown = " ".join(missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
    fonts = ", ".join(language.fonts)
    return (
        f"{language.name} ('{language.code}'): its fonts ({fonts}) lack {len(missing)} of its "
        f"letters: {shown}; declare fonts that have them in the campaign's 'languages:' "
        f"block ({language.code}: fonts: [...])"
    )


@cache
def _advances(family: str) -> dict[int, float]:
    """Each character's advance width in em in the family's regular face (unshaped)."""
    faces = faces_of(family)
    if not faces:
        raise FontError(f"font family '{family}' is not installed")
    face = next((f for f in faces if "Regular" in f.file.name), faces[0])
    font = TTFont(face.file, fontNumber=face.index, lazy=True)
    try:
        per_em = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        return {code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    finally:
        font.close()


def text_width_em(text: str, families: Iterable[str]) -> float:
    """About how wide ``text`` is on one line, in em, in the first family of the stack
    that has each character: for layouts that share room between texts by length.
    Unshaped and unkerned, so an estimate; the fit check measures the real thing."""
    stack = [_advances(family) for family in families]
    width = 0.0
    for char in text:
        code = ord(char)
        width += next((advances[code] for advances in stack if code in advances), 0.0)
    return width
