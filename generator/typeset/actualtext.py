"""A text layer that reads back as printed: ``/ActualText`` where WeasyPrint maps glyphs wrongly.

WeasyPrint 70 (``draw/text.py``) records a glyph's Unicode text once per font,
the first time the glyph is drawn, in the font's ToUnicode map. In a cluster
of several glyphs (Thai ำ, Khmer subscripts, Burmese medials) one glyph carries
the whole text and the others none, and a glyph shared by two clusters keeps
the first cluster's text: "ทำงาน" is copied as "ทำงำน". Upstream has no fix
(Kozea/WeasyPrint#2841).

Like Chromium (Skia's ``SkPDFDevice``) and LibreOffice, we put what does not
map one-to-one to its characters in a marked-content span
``/Span <</ActualText (text)>> BDC … EMC``: poppler and PDFium then extract the
span's own characters. The span is the word (up to a space) holding such a
cluster, not the cluster alone: PDFium reads a lowered Khmer subscript, drawn
as a text object of its own, after the next cluster (see ``_words``). A word
whose clusters are each one glyph with its own text is left alone, so Latin
text is unchanged.

The hook replaces ``draw_first_line`` for HTML text only; SVG text (logos) is
drawn by WeasyPrint's own function, unwrapped. The replacement is WeasyPrint
70.0's function with the spans added; it refuses to install on any other
version, and ``tests/test_text_layer.py`` fails if the spans stop reaching the
PDF, so an upgrade that breaks the hook fails loudly.
"""

from __future__ import annotations

import hashlib
import inspect
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from xml.etree import ElementTree

from .fonts import use_private_fontconfig

use_private_fontconfig()  # before WeasyPrint loads, whoever imports this module first

import pydyf  # noqa: E402
import weasyprint  # noqa: E402
import weasyprint.draw  # noqa: E402
import weasyprint.draw.text  # noqa: E402
from PIL import Image  # noqa: E402
from weasyprint.images import RasterImage, SVGImage  # noqa: E402
from weasyprint.logger import LOGGER  # noqa: E402
from weasyprint.text.ffi import FROM_UNITS, TO_UNITS, ffi, pango  # noqa: E402
from weasyprint.text.fonts import get_hb_object_data  # noqa: E402
from weasyprint.text.line_break import get_last_word_end  # noqa: E402

# The WeasyPrint release whose draw/text.py this module copies, and the SHA-256 of
# the two functions it replaces there (inspect.getsource): pinned in pyproject.toml.
HOOKED_VERSION = "70.0"
HOOKED_SOURCES = {
    "draw_text": "ebaf96239c6ca3635d2b91bfb34718c2dcebd7809fec1c53fb8dffd1366befe3",
    "draw_first_line": "1bb8eae6d88e71b17096a034656f3be17da8f1f513c78536c1c38d971927638b",
}
# Characters the typesetter inserts that print as nothing and are no part of the text.
_MARKUP = dict.fromkeys(map(ord, "\u200b\u2060\u00ad"))

_ORIGINAL_DRAW_FIRST_LINE = weasyprint.draw.text.draw_first_line
_ORIGINAL_DRAW_TEXT = weasyprint.draw.text.draw_text
_HTML_TEXT = threading.local()  # set while an HTML text box (not SVG text) is drawn


class HookError(RuntimeError):
    """The installed WeasyPrint is not the one the ActualText hook was written for."""


def source_digest(function) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def check_hooked_version() -> None:
    """Raise ``HookError`` unless WeasyPrint's drawing code is the one this module copies."""
    if weasyprint.__version__ != HOOKED_VERSION:
        raise HookError(
            f"WeasyPrint {weasyprint.__version__} is installed; the text-layer hook "
            f"(generator/typeset/actualtext.py) copies WeasyPrint {HOOKED_VERSION}'s draw/text.py. "
            f"Install weasyprint=={HOOKED_VERSION} (make setup) or port the hook to the new version."
        )
    shipped = {"draw_text": _ORIGINAL_DRAW_TEXT, "draw_first_line": _ORIGINAL_DRAW_FIRST_LINE}
    for name, expected in HOOKED_SOURCES.items():
        found = source_digest(shipped[name])
        if found != expected:
            raise HookError(
                f"weasyprint/draw/text.py:{name} is not WeasyPrint {HOOKED_VERSION}'s "
                f"(sha256 {found[:12]}…): port generator/typeset/actualtext.py to it"
            )


def install() -> None:
    """Draw HTML text with ``/ActualText`` spans; idempotent."""
    if weasyprint.draw.draw_text is _draw_text:
        return
    check_hooked_version()
    # draw/__init__ calls draw_text by the name it imported; draw_text calls
    # draw_first_line through draw/text's globals, as svg/text does (imported
    # inside its function): the flag tells the two callers apart.
    weasyprint.draw.draw_text = _draw_text
    weasyprint.draw.text.draw_first_line = _draw_first_line


def installed() -> bool:
    return weasyprint.draw.draw_text is _draw_text


@contextmanager
def recording() -> Iterator[list[str]]:
    """The text of every HTML line drawn in this thread meanwhile (a ``write_pdf``),
    line by line: what the PDF prints, for the text-layer check to compare with."""
    drawn: list[str] = []
    _HTML_TEXT.recorder = drawn
    try:
        yield drawn
    finally:
        _HTML_TEXT.recorder = None


def _draw_text(stream, textbox, offset_x, text_overflow, block_ellipsis):
    recorder = getattr(_HTML_TEXT, "recorder", None)
    if recorder is not None and textbox.style["visibility"] == "visible":
        recorder.append(textbox.text)
    _HTML_TEXT.active = True
    try:
        return _ORIGINAL_DRAW_TEXT(stream, textbox, offset_x, text_overflow, block_ellipsis)
    finally:
        _HTML_TEXT.active = False


def _draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    if not getattr(_HTML_TEXT, "active", False):
        return _ORIGINAL_DRAW_FIRST_LINE(stream, textbox, text_overflow, block_ellipsis, matrix)
    return draw_first_line_with_actual_text(stream, textbox, text_overflow, block_ellipsis, matrix)


def _starts_syllable(text: str) -> bool:
    """Whether a cluster begins a new syllable: it starts with no mark and no joiner."""
    return bool(text) and not (
        unicodedata.category(text[0]).startswith("M") or text[0] in "\u200c\u200d"
    )


@dataclass
class _Word:
    """A run's glyphs from ``first`` to ``last`` up to and with a space, and their text."""

    first: int
    last: int
    text: str
    syllables: list[tuple[int, int, str]]


def _words(glyph_item, num_glyphs: int, utf8_text: bytes) -> list[_Word]:
    """The run's words, left to right, each with its syllables.

    A syllable is a cluster and the clusters of marks after it (Pango gives
    Khmer subscripts, Burmese asat and visarga clusters of their own). The span
    is a word, not a syllable: WeasyPrint draws a raised or lowered mark as a
    text object of its own, and PDFium orders a line's text objects by where
    they start, so a mark that starts right of the next syllable's start would
    leave its span and be read twice. A space's advance is wider than any
    mark's offset, so a word's marks stay inside the word.
    """
    log_clusters = glyph_item.glyphs.log_clusters
    offset, length = glyph_item.item.offset, glyph_item.item.length
    clusters: list[tuple[int, int, str]] = []
    first = 0
    for i in range(1, num_glyphs + 1):
        if i < num_glyphs and log_clusters[i] == log_clusters[first]:
            continue
        end = log_clusters[i] if i < num_glyphs else length
        text = utf8_text[offset + log_clusters[first] : offset + end].decode(errors="replace")
        clusters.append((first, i - 1, text))
        first = i
    words: list[_Word] = []
    for first, last, text in clusters:
        word = words[-1] if words and not words[-1].text[-1:].isspace() else None
        if word is None:
            words.append(_Word(first, last, text, [(first, last, text)]))
            continue
        word.last, word.text = last, word.text + text
        if _starts_syllable(text):
            word.syllables.append((first, last, text))
        else:
            start, _, before = word.syllables[-1]
            word.syllables[-1] = (start, last, before + text)
    return words


def _needs_span(font, glyphs_info, log_clusters, glyph_item, utf8_text: bytes, word: _Word) -> bool:
    """Whether a word's glyphs fail to carry its text: a syllable of several glyphs, or
    one glyph whose recorded text (recorded before, or about to be, as WeasyPrint does
    at its first drawing) is not the syllable's."""
    recorded = font.to_unicode
    pending: dict[int, str] = {}  # what this word's first drawings will record
    offset = glyph_item.item.offset
    for i in range(word.first, word.last + 1):
        glyph = glyphs_info[i].glyph
        if glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG:
            return False  # tofu: an error before we get here
        if glyph != pango.PANGO_GLYPH_EMPTY and glyph not in recorded and glyph not in pending:
            end = glyph_item.item.length if i == len(log_clusters) - 1 else log_clusters[i + 1]
            pending[glyph] = utf8_text[offset + log_clusters[i] : offset + end].decode(
                errors="replace"
            )
    for first, last, text in word.syllables:
        drawn = [
            glyphs_info[i].glyph
            for i in range(first, last + 1)
            if glyphs_info[i].glyph != pango.PANGO_GLYPH_EMPTY
        ]
        if len(drawn) > 1 or (
            len(drawn) == 1 and recorded.get(drawn[0], pending.get(drawn[0])) != text
        ):
            return True
    return False


def _close(stream, string: str) -> str:
    """Show the open glyph string; return a new empty one."""
    string = string[:-1] if string[-1] == "<" else string + ">"
    if string:
        stream.show_text(string)
    return "<"


# Below: WeasyPrint 70.0's draw_first_line (weasyprint/draw/text.py, BSD licence),
# changed only where marked "ActualText".
def draw_first_line_with_actual_text(stream, textbox, text_overflow, block_ellipsis, matrix):
    """Draw the given ``textbox`` line to the document ``stream``."""
    # Don’t draw lines with only invisible characters.
    if not textbox.text.strip():
        return []

    if textbox.style["font_size"] < 1e-6:  # default float precision used by pydyf
        return []

    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)

    if text_overflow == "ellipsis" or block_ellipsis != "none":
        assert textbox.pango_layout.max_width is not None
        max_width = textbox.pango_layout.max_width
        pango.pango_layout_set_width(textbox.pango_layout.layout, int(max_width * TO_UNITS))
        if text_overflow == "ellipsis":
            pango.pango_layout_set_ellipsize(textbox.pango_layout.layout, pango.PANGO_ELLIPSIZE_END)
        else:
            if block_ellipsis == "auto":
                ellipsis = "…"
            else:
                assert block_ellipsis[0] == "string"
                ellipsis = block_ellipsis[1]

            # Remove last word if hyphenated.
            new_text = textbox.pango_layout.text
            if new_text.endswith(textbox.style["hyphenate_character"]):
                last_word_end = get_last_word_end(
                    new_text[: -len(textbox.style["hyphenate_character"])], textbox.style["lang"]
                )
                if last_word_end:
                    new_text = new_text[:last_word_end]

            textbox.pango_layout.set_text(new_text + ellipsis)

    first_line, index = textbox.pango_layout.get_first_line()

    if block_ellipsis != "none":
        while index:
            last_word_end = get_last_word_end(
                textbox.pango_layout.text[: -len(ellipsis)], textbox.style["lang"]
            )
            if last_word_end is None:
                break
            new_text = textbox.pango_layout.text[:last_word_end]
            textbox.pango_layout.set_text(new_text + ellipsis)
            first_line, index = textbox.pango_layout.get_first_line()

    stream.set_text_matrix(*matrix.values)
    previous_pango_font = None
    string = ""
    x_advance = 0
    emojis = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        # Get Pango objects.
        glyph_item = run.data
        run = run.next
        glyph_string = glyph_item.glyphs
        glyphs_info = glyph_string.glyphs
        num_glyphs = glyph_string.num_glyphs
        clusters = glyph_string.log_clusters
        utf8_text = b""  # read only for a left-to-right run, which sets it below

        pango_font = glyph_item.item.analysis.font
        if pango_font != previous_pango_font:
            # Add font file content and get font size.
            previous_pango_font = pango_font
            font, font_size = stream.add_font(pango_font)

            # Workaround for https://gitlab.gnome.org/GNOME/pango/-/issues/530.
            # This is also needed by raster emoji fonts, see #2800.
            if pango.pango_version() < 14802 or font.png:
                font_size = textbox.style["font_size"]

            # Go through the run glyphs.
            if string:
                stream.show_text(string)
            string = ""
            stream.set_font_size(font.hash, 1 if font.bitmap else font_size)
        string += "<"

        # ActualText: the words of a left-to-right run, by their first glyph.
        word_at: dict[int, _Word] = {}
        if not glyph_item.item.analysis.level % 2:
            utf8_text = textbox.pango_layout.text.encode()
            log_clusters = [clusters[i] for i in range(num_glyphs)]
            word_at = {word.first: word for word in _words(glyph_item, num_glyphs, utf8_text)}
        span_end = -1

        for i, glyph_info in enumerate(glyphs_info[0:num_glyphs]):
            glyph_id = glyph_info.glyph
            width = glyph_info.geometry.width

            # ActualText: open a span for a word whose glyphs do not carry its text.
            # Decided word by word, not for the whole run at once: the words drawn
            # before may just have recorded the text of glyphs this one uses.
            word = word_at.get(i)
            if word and _needs_span(font, glyphs_info, log_clusters, glyph_item, utf8_text, word):
                string = _close(stream, string)
                text = word.text.translate(_MARKUP)
                stream.begin_marked_content(
                    "Span", pydyf.Dictionary({"ActualText": pydyf.String(text)})
                )
                span_end = word.last

            # Display zero-width empty glyph.
            if glyph_id == pango.PANGO_GLYPH_EMPTY:
                string += f">{-width / font_size}<"
                if i == span_end:  # ActualText: close the cluster's span.
                    string = _close(stream, string)
                    stream.end_marked_content()
                continue

            # Display .notdef and log warning for missing glyphs.
            if glyph_id & pango.PANGO_GLYPH_UNKNOWN_FLAG:
                codepoint = glyph_id - pango.PANGO_GLYPH_UNKNOWN_FLAG
                LOGGER.warning(
                    '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)',
                    chr(codepoint),
                    codepoint,
                )
                glyph_id = font.get_unused_glyph_id(codepoint)
                font.widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
                if 0 not in font.widths:
                    # "width" is actually Pango’s get_approximate_char_width. Force
                    # .notdef’s to use this width, even if it’s not the right, as we
                    # want to keep Pango’s layout for next glyphs.
                    font.widths[0] = font.widths[glyph_id]

            # Create mapping between glyphs and Unicode codepoints.
            if glyph_id not in font.to_unicode:
                # Get positions of the glyph in the UTF-8 string.
                offset = glyph_item.item.offset
                t1 = clusters[i]
                if glyph_item.item.analysis.level % 2:  # rtl
                    t2 = glyph_item.item.length if i == 0 else clusters[i - 1]
                else:
                    t2 = glyph_item.item.length if i == num_glyphs - 1 else clusters[i + 1]
                utf8_text = utf8_text or textbox.pango_layout.text.encode()
                font.to_unicode[glyph_id] = utf8_text[offset + t1 : offset + t2].decode()

            # Set horizontal and vertical offsets.
            offset = glyph_info.geometry.x_offset / font_size
            rise = glyph_info.geometry.y_offset / 1000
            if rise:
                if string[-1] == "<":
                    string = string[:-1]
                else:
                    string += ">"
                if string:
                    stream.show_text(string)
                stream.set_text_rise(-rise)
                string = ""
                if offset:
                    string = f"{-offset}"
                string += f"<{glyph_id:02x}>" if font.bitmap else f"<{glyph_id:04x}>"
                stream.show_text(string)
                stream.set_text_rise(0)
                string = "<"
            else:
                if offset:
                    string += f">{-offset}<"
                string += f"{glyph_id:02x}" if font.bitmap else f"{glyph_id:04x}"

            # Get glyph logical widths.
            if glyph_id in font.widths:
                logical_width = font.widths[glyph_id]
            else:
                pango.pango_font_get_glyph_extents(
                    pango_font, glyph_id, stream.ink_rect, stream.logical_rect
                )
                logical_width = font.widths[glyph_id] = round(
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size
                )

            # Set kerning, word spacing, letter spacing.
            kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
            if kerning:
                string += f">{int(kerning)}<"

            # ActualText: close the cluster's span.
            if i == span_end:
                string = _close(stream, string)
                stream.end_marked_content()

            # Create list of emojis.
            if font.svg:
                svg_data = get_hb_object_data(font.hb_face, "svg", glyph_id)
                if svg_data:
                    # Do as explained in specification
                    # https://learn.microsoft.com/typography/opentype/spec/svg
                    tree = ElementTree.fromstring(svg_data)
                    if tree.get("id") != f"glyph{glyph_id}":
                        defs = ElementTree.Element("defs")
                        for child in list(tree):
                            defs.append(child)
                            tree.remove(child)
                        tree.append(defs)
                        ElementTree.SubElement(tree, "use", attrib={"href": f"#glyph{glyph_id}"})
                    if "viewBox" not in tree.attrib:
                        tree.attrib["viewBox"] = f"0 0 {font.upem} {font.upem}"
                    image = SVGImage(tree, None, None, None)
                    a = d = 1
                    emojis.append([image, font, a, d, x_advance, 0])
            elif font.png:
                png_data = get_hb_object_data(font.hb_font, "png", glyph_id)
                if png_data:
                    pillow_image = Image.open(BytesIO(png_data))
                    image_id = f"{font.hash}{glyph_id}"
                    image = RasterImage(pillow_image, image_id, png_data)
                    d = logical_width / 1000
                    a = pillow_image.width / pillow_image.height * d
                    pango.pango_font_get_glyph_extents(
                        pango_font, glyph_id, stream.ink_rect, stream.logical_rect
                    )
                    f = -stream.logical_rect.y
                    f = f * FROM_UNITS / font_size - font_size
                    emojis.append([image, font, a, d, x_advance, f])
            elif font.colr:
                svg_data = get_hb_object_data(font.hb_font, "colr", glyph_id)
                if svg_data:
                    tree = ElementTree.fromstring(svg_data)
                    image = SVGImage(tree, None, None, None)
                    a = d = 1
                    e = x_advance - kerning
                    emojis.append([image, font, a, d, e, -textbox.baseline])

            x_advance += (logical_width + offset - kerning) / 1000

        # Close the last glyphs list, remove if empty.
        if string[-1] == "<":
            string = string[:-1]
        else:
            string += ">"

    # Draw text.
    stream.show_text(string)

    return emojis
