"""Read each printed text back from the PDF, as poppler and PDFium extract it.

Copy and paste, search, screen readers and a reviewer pasting from a proof all
read the text layer, not the ink. A text passes when it is found, verbatim, in
what both extractors give for the poster: poppler's ``pdftotext -raw`` (the
order the text is drawn in) and PDFium's text page (what Chromium and most
viewers use).

Line breaks are where the layout put them, not in the text, and extractors
add or drop spaces around them, so the comparison ignores whitespace (and the
zero-width characters the typesetter inserts), never a letter or a mark: a
Thai text read back with one vowel wrong fails.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections.abc import Mapping, Sequence

from .pdfium_access import open_pdf
from .report import PreflightReport

CHECK = "text layer"
# Whitespace, and what prints as nothing: ZERO WIDTH SPACE, WORD JOINER, SOFT
# HYPHEN, ZERO WIDTH (NON-)JOINER, BYTE ORDER MARK.
_IGNORED = re.compile(r"[\s\u200b\u2060\u00ad\u200c\u200d\ufeff]+")
_LINE_END_HYPHEN = re.compile(r"[-\u2010\u00ad][ \t]*\r?\n")
# PDFium gives a hyphen at the end of a line as U+FFFE (or U+0002), with no line
# break after it: "anti\ufffetrafficking" for "anti-" + "trafficking".
_PDFIUM_LINE_END_HYPHEN = re.compile("[\ufffe\u0002]")
PDFTOTEXT_TIMEOUT_S = 60


def squeezed(text: str) -> str:
    """The text as the comparison sees it: NFC, without whitespace or invisible characters."""
    return _IGNORED.sub("", unicodedata.normalize("NFC", text))


def poppler_text(pdf_bytes: bytes) -> str:
    """``pdftotext -raw`` of the whole file (UTF-8), pages one after the other."""
    # The file through a pipe ("-"): no temporary copy of it on disk.
    done = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"],
        input=pdf_bytes,
        capture_output=True,
        timeout=PDFTOTEXT_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace").strip() or "pdftotext failed")
    return done.stdout.decode("utf-8", errors="replace")


def pdfium_text(pdf_bytes: bytes) -> str:
    """PDFium's text of every page, pages one after the other."""
    with open_pdf(pdf_bytes) as document:
        return pdfium_pages_text(
            [document[i].get_textpage().get_text_range() for i in range(len(document))]
        )


def pdfium_pages_text(pages: Sequence[str]) -> str:
    """The text of the pages (each as PDFium's text page gives it), as ``pdfium_text``."""
    return "\n".join(pages)


def printed_texts(texts: Mapping[str, str], drawn: list[str]) -> dict[str, str]:
    """The texts of ``texts`` that the layout drew (``actualtext.recording``): a design
    need not print every text it may (a subheadline, a second-language name)."""
    laid_out = squeezed("".join(drawn))
    return {name: text for name, text in texts.items() if squeezed(text) in laid_out}


def unreadable_texts(
    pdf_bytes: bytes, texts: Mapping[str, str], pdfium: str | None = None
) -> dict[str, list[str]]:
    """For each extractor, the names of the texts it does not give back verbatim.
    ``pdfium``: PDFium's text of the file, when the caller has read it already."""
    pdfium = pdfium_text(pdf_bytes) if pdfium is None else pdfium
    layers = {
        "poppler": poppler_text(pdf_bytes),
        "PDFium": _PDFIUM_LINE_END_HYPHEN.sub("-\n", pdfium),
    }
    missing: dict[str, list[str]] = {}
    for extractor, layer in layers.items():
        # A word hyphenated at a line's end reads back with its hyphen: either way passes.
        found = (squeezed(layer), squeezed(_LINE_END_HYPHEN.sub("", layer)))
        missing[extractor] = [
            name
            for name, text in texts.items()
            if not any(squeezed(text) in layer_text for layer_text in found)
        ]
    return missing


def check_text_layer(
    pdf_bytes: bytes,
    texts: Mapping[str, str] | None,
    report: PreflightReport,
    pdfium_pages: Sequence[str] | None = None,
) -> None:
    """Report each text (by its name, such as ``message 'call' (lo)``) that an extractor
    does not read back verbatim. Without the texts (a file on its own), the check is skipped.
    ``pdfium_pages``: each page's PDFium text, when the drawing checks have read it."""
    if not texts:
        report.note(CHECK, "a file on its own: its texts are checked when a build makes it")
        report.check(CHECK).status = "skipped"
        return
    try:
        pdfium = None if pdfium_pages is None else pdfium_pages_text(pdfium_pages)
        missing = unreadable_texts(pdf_bytes, texts, pdfium)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        report.error(CHECK, f"cannot read the text layer back: {error}")
        return
    wrong = dict.fromkeys(name for names in missing.values() for name in names)
    for name in wrong:
        by = " and ".join(extractor for extractor, names in missing.items() if name in names)
        shown = texts[name] if len(texts[name]) <= 60 else texts[name][:57] + "…"
        report.error(
            CHECK,
            f"{name} does not read back from the PDF ({by}): copy and paste would not give "
            f"“{shown}”",
        )
    report.note(CHECK, f"{len(texts) - len(wrong)} of {len(texts)} texts read back verbatim")
