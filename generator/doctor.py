"""``poster doctor``: is this machine able to build posters, and if not, what to install."""

from __future__ import annotations

import ctypes.util
import shutil
from dataclasses import dataclass

from .campaign.languages import FONT_ALTERNATIVES, LANGUAGES, RIGHT_TO_LEFT, SCRIPTS, font_package

SAMPLES = {"lo": "ສະບາຍດີປະເທດລາວ", "my": "မင်္ဂလာပါမြန်မာ", "km": "សួស្តីកម្ពុជា", "th": "สวัสดีประเทศไทย"}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""


def run_checks() -> list[Check]:
    checks = [
        _library("Pango", "pango-1.0", "libpango-1.0-0"),
        _library("HarfBuzz subsetting (fast CJK fonts)", "harfbuzz-subset", "libharfbuzz-subset0"),
        _library("fontconfig", "fontconfig", "fontconfig"),
        _weasyprint(),
        _icu(),
    ]
    checks += _fonts()
    for tool, use in (("pdftoppm", "previews"), ("pdftotext", "text-layer check")):
        found = shutil.which(tool)
        checks.append(
            Check(f"{tool} ({use})", bool(found), found or "", "apt-get install poppler-utils")
        )
    checks.append(_text_layer_hook())
    checks.append(
        Check(
            "right-to-left scripts",
            True,
            "refused until supported: " + ", ".join(sorted(set(RIGHT_TO_LEFT.values()))),
        )
    )
    checks.append(_cmyk_profile())
    return checks


def _cmyk_profile() -> Check:
    """The CMYK ICC profile the sample campaign's press output names."""
    from pathlib import Path

    from .prepress.profiles import SAMPLE_ICC, SAMPLE_ICC_PACKAGE, ProfileError, find_icc

    name = f"CMYK ICC profile {SAMPLE_ICC} (press output)"
    try:
        icc = find_icc(SAMPLE_ICC, Path("."))
    except ProfileError:
        return Check(name, False, "", f"apt-get install {SAMPLE_ICC_PACKAGE}")
    return Check(name, True, f"{icc.path}: {icc.description}")


def _library(name: str, soname: str, package: str) -> Check:
    found = ctypes.util.find_library(soname)
    return Check(name, bool(found), found or "", f"apt-get install {package}")


def _weasyprint() -> Check:
    try:
        import weasyprint

        major = int(weasyprint.__version__.split(".")[0])
        return Check(
            "WeasyPrint ≥ 70", major >= 70, weasyprint.__version__, "pip install -U weasyprint"
        )
    except Exception as error:  # an import failure names the missing system library
        return Check("WeasyPrint ≥ 70", False, "", f"{error}; run 'make setup'")


def _icu() -> Check:
    try:
        import icu

        from .typeset.segment import words

        broken = [code for code, text in SAMPLES.items() if len(words(text, code)) < 2]
        detail = f"ICU {icu.ICU_VERSION}, dictionaries for {', '.join(SAMPLES)}"
        return Check(
            "ICU word breaking",
            not broken,
            detail,
            f"ICU cannot segment {broken}: install libicu with its data",
        )
    except ImportError:
        return Check(
            "ICU word breaking",
            False,
            "",
            "apt-get install libicu-dev pkg-config; pip install pyicu",
        )


def _text_layer_hook() -> Check:
    name = "text layer (ActualText hook)"
    try:
        from .typeset import actualtext

        actualtext.check_hooked_version()
    except Exception as error:
        return Check(name, False, "", str(error))
    return Check(name, True, f"WeasyPrint {actualtext.HOOKED_VERSION}'s draw/text.py")


def _fonts() -> list[Check]:
    """The scripts the posters can set, each with its font stack, and the named alternatives."""
    from .typeset.fonts import faces_of

    checks = []
    stacks = [
        (f"script {script.code} ({script.name})", script.fonts) for script in SCRIPTS.values()
    ]
    stacks += [
        (f"{LANGUAGES[code].name} ({alt})", stack)
        for code, alts in FONT_ALTERNATIVES.items()
        for alt, stack in alts.items()
    ]
    for label, stack in stacks:
        missing = [family for family in stack if not faces_of(family)]
        found = [family for family in stack if family not in missing]
        packages = sorted({font_package(family) or "?" for family in missing})
        checks.append(
            Check(
                f"fonts for {label}",
                not missing,
                ", ".join(found),
                f"{', '.join(missing)}: apt-get install {' '.join(packages)}",
            )
        )
    return checks
