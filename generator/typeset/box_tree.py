"""Walks of WeasyPrint's laid-out box tree, shared by the fit's measuring, the fill step
and the workspace's clickable texts."""

from __future__ import annotations

from collections.abc import Iterator

from weasyprint.formatting_structure import boxes


def elements_with(root, attribute: str, *, inside_found: bool = True):
    """The principal box of each element carrying ``attribute``, in document order;
    ``inside_found=False``: not looking inside a box found (a text's own spans)."""
    stack = [(root, None)]
    found = []
    while stack:
        box, parent_element = stack.pop()
        box = unwrap(box)
        element = getattr(box, "element", None)
        if (
            isinstance(box, boxes.BlockContainerBox | boxes.FlexContainerBox)
            and element is not None
            and element is not parent_element
            and element.get(attribute) is not None
        ):
            found.append(box)
            if not inside_found:
                continue
        for child in reversed(getattr(box, "children", ())):
            stack.append((child, element))
    return found


def regions(sheet) -> list:
    """The boxes of a sheet in its flow, top to bottom (not the positioned DRAFT mark)."""
    children = map(unwrap, sheet.children)
    return [child for child in children if child.style["position"] not in ("absolute", "fixed")]


def unwrap(box):
    return getattr(box, "_box", box)


def descendants(box) -> Iterator:
    yield box
    for child in getattr(box, "children", ()):
        yield from descendants(unwrap(child))
