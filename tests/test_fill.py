"""The fill step (generator/typeset/fill.py): a poster's sheet is a block, and the room
its regions leave goes, after layout, to the region whose style has flex-grow, with that
region's content in the middle of it; on real renders, measured in WeasyPrint's boxes."""

from __future__ import annotations

import itertools

import pytest
from test_flow import render

from generator.typeset import fill
from generator.typeset.box_tree import elements_with, regions, unwrap

PX_PER_MM = 96 / 25.4


def _sheets(rendered):
    for page in rendered.document.pages:
        yield from elements_with(page._page_box, "data-sheet")


@pytest.mark.parametrize("design", ["border-sign", "tourist-poster", "flyer"])
def test_the_room_left_goes_to_the_growing_region_and_its_content_stands_in_the_middle(
    design, tmp_path
):
    _campaign, _job, _pdf, rendered = render(design, 2, tmp_path)
    assert fill.installed()
    for sheet in _sheets(rendered):
        assert "flex" not in sheet.style["display"]  # the reason: no flex measuring passes
        flow = regions(sheet)
        last = flow[-1]
        foot = sheet.content_box_y() + sheet.height
        # The last region ends at the foot of the sheet, as in a flex column.
        assert abs(last.position_y + last.margin_height() - foot) < 0.5
        # Regions follow each other without gaps or overlaps.
        for above, below in itertools.pairwise(flow):
            assert abs(above.position_y + above.margin_height() - below.position_y) < 0.5
        growing = [r for r in flow if r.style["flex_grow"] > 0]
        assert len(growing) == 1, [r.element.get("class") for r in flow]
        (region,) = growing
        children = [unwrap(child) for child in region.children]
        top = min(c.position_y for c in children) - region.content_box_y()
        bottom = (
            region.content_box_y()
            + region.height
            - max(c.position_y + c.margin_height() for c in children)
        )
        assert abs(top - bottom) < 0.5, (top, bottom)  # in the middle (align-content)


def test_fill_sheet_gives_the_room_below_to_the_growing_region_and_moves_the_rest_down():
    """The arithmetic alone, on stand-ins for WeasyPrint's boxes."""
    from generator.typeset.fill import fill_sheet

    class Region:
        def __init__(self, y, height, grow):
            self.style = {"position": "static", "flex_grow": grow, "align_content": ("center",)}
            self.position_y, self.height, self.children, self.moved = y, height, [], 0.0

        def margin_height(self):
            return self.height

        def translate(self, dx=0, dy=0):
            self.position_y += dy
            self.moved += dy

    class Sheet:
        def __init__(self, children):
            self.children, self.height = children, 100.0
            self.style = {"display": ("inline", "flow-root")}

        def content_box_y(self):
            return 0.0

    head, messages, foot = Region(0, 20, 0), Region(20, 30, 1), Region(50, 10, 0)
    assert fill_sheet(Sheet([head, messages, foot])) == 40
    assert (head.position_y, messages.height, foot.position_y) == (0, 70, 90)
    assert messages.moved == 0 and foot.moved == 40
    assert fill_sheet(Sheet([Region(0, 120, 1)])) == 0.0  # overflowing: nothing to give
