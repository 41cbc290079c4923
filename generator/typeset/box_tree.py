"""Walks of WeasyPrint's laid-out box tree, shared by the fit's measuring, the fill step
and the workspace's clickable texts."""

from __future__ import annotations

from collections.abc import Iterator

from weasyprint.formatting_structure import boxes


def elements_with(root, attribute: str):
    """The principal box of each element carrying ``attribute``, in document order."""
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
            if attribute == "data-fit":
                continue
        for child in reversed(getattr(box, "children", ())):
            stack.append((child, element))
    return found


def unwrap(box):
    return getattr(box, "_box", box)


def descendants(box) -> Iterator:
    yield box
    for child in getattr(box, "children", ()):
        yield from descendants(unwrap(child))
