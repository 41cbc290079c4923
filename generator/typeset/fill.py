"""The room a sheet leaves below its regions, given after layout to the region that
takes it (the messages; the flyer front's headline band).

A flex column did this, but WeasyPrint 70 lays each flex item out at least twice to
size it, and a poster's sheet holds everything: half of its layout time went there.
So the sheet is a block, and this step runs on each laid-out page before WeasyPrint
places its backgrounds: the region whose style has ``flex-grow`` (the design's CSS says
which) is lengthened by the room left, its content set in it by its ``align-content``
(``center``: in the middle), and the regions below it moved down, so the last one
ends at the foot of the sheet, as in the flex column. A sheet that is a flex box
(the social cards) is WeasyPrint's own to arrange.
"""

from __future__ import annotations

import weasyprint
import weasyprint.layout

from .actualtext import HOOKED_VERSION, HookError
from .box_tree import elements_with, regions

_ORIGINAL_LAYOUT_BACKGROUNDS = weasyprint.layout.layout_backgrounds


def fill_page(page) -> None:
    """Give each block sheet's spare room on ``page`` to its growing regions."""
    for sheet in elements_with(page, "data-sheet"):
        if "flex" not in sheet.style["display"]:
            fill_sheet(sheet)


def fill_sheet(sheet) -> float:
    """Lengthen the growing regions of ``sheet`` by the room below its last region, move
    what follows them down, and return that room (px; 0 when there is none to give)."""
    flow = regions(sheet)
    weights = sum(region.style["flex_grow"] for region in flow)
    if not weights:
        return 0.0
    bottom = max(region.position_y + region.margin_height() for region in flow)
    room = sheet.content_box_y() + sheet.height - bottom
    if room <= 0:
        return 0.0
    shift = 0.0
    for region in flow:
        region.translate(dy=shift)
        if region.style["flex_grow"] > 0:
            share = room * region.style["flex_grow"] / weights
            region.height += share
            inset = share * _content_position(region.style["align_content"])
            for child in region.children:
                child.translate(dy=inset)
            shift += share
    return room


def _content_position(align_content: tuple[str, ...]) -> float:
    """Where a region's content sits in its added room: 0 at the top, 1 at the foot."""
    if "center" in align_content:
        return 0.5
    if {"end", "flex-end"} & set(align_content):
        return 1.0
    return 0.0


def _layout_backgrounds(page, get_image_from_uri) -> None:
    fill_page(page)
    _ORIGINAL_LAYOUT_BACKGROUNDS(page, get_image_from_uri)


def install() -> None:
    """Fill every sheet WeasyPrint lays out from now on; idempotent."""
    if weasyprint.layout.layout_backgrounds is _layout_backgrounds:
        return
    # layout_document calls layout_backgrounds by its module's name, once per finished
    # page, after the page is laid out and before it is drawn (WeasyPrint 70.0).
    if weasyprint.__version__ != HOOKED_VERSION:
        raise HookError(
            f"WeasyPrint {weasyprint.__version__} is installed; the fill step "
            f"(generator/typeset/fill.py) was written for {HOOKED_VERSION}'s layout_document"
        )
    weasyprint.layout.layout_backgrounds = _layout_backgrounds


def installed() -> bool:
    return weasyprint.layout.layout_backgrounds is _layout_backgrounds
