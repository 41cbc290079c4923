"""Walk everything a PDF page draws: its content, and every form, pattern, soft mask,
image and shading it reaches through its resources. Used by prepress (to convert)
and by preflight (to check), each on the file itself.

Each object is visited once, on the first page that reaches it: WeasyPrint
shares one resource dictionary between all the pages of a document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf
from pikepdf import Name


@dataclass
class Drawn:
    kind: str  # 'content' | 'image' | 'shading'
    page: int  # 1-based number of the first page that draws it
    obj: pikepdf.Object  # a page (kind 'content' of a page), a stream or a dictionary
    resources: pikepdf.Object | None = None  # for 'content': the resources its operators name
    name: str = ""  # how the resources call it ('/Im1'), for messages


def walk(pdf: pikepdf.Pdf) -> Iterator[Drawn]:
    seen: set[tuple[int, int]] = set()
    for number, page in enumerate(pdf.pages, 1):
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        yield Drawn("content", number, page.obj, resources, "page")
        yield from _from_resources(resources, number, seen)
        for annotation in page.obj.get("/Annots", []):
            appearance = annotation.get("/AP", pikepdf.Dictionary()).get("/N")
            if isinstance(appearance, pikepdf.Stream):
                yield from _form(appearance, resources, number, seen, "annotation")


def _key(obj: pikepdf.Object) -> tuple[int, int] | None:
    return obj.objgen if obj.is_indirect else None


def _visit(obj: pikepdf.Object, seen: set) -> bool:
    key = _key(obj)
    if key is None:
        return True
    if key in seen:
        return False
    seen.add(key)
    return True


def _form(form: pikepdf.Stream, inherited, number: int, seen: set, name: str) -> Iterator[Drawn]:
    if not _visit(form, seen):
        return
    resources = form.get("/Resources", inherited)
    yield Drawn("content", number, form, resources, name)
    yield from _from_resources(resources, number, seen)


def _from_resources(resources: pikepdf.Object, number: int, seen: set) -> Iterator[Drawn]:
    for name, xobject in resources.get("/XObject", {}).items():
        if not isinstance(xobject, pikepdf.Stream):
            continue
        subtype = xobject.get("/Subtype")
        if subtype == Name.Form:
            yield from _form(xobject, resources, number, seen, name)
        elif subtype == Name.Image and _visit(xobject, seen):
            yield Drawn("image", number, xobject, None, name)
            mask = xobject.get("/SMask")
            if isinstance(mask, pikepdf.Stream):
                _visit(mask, seen)  # a soft mask is grey by definition: nothing to convert
    for name, pattern in resources.get("/Pattern", {}).items():
        if isinstance(pattern, pikepdf.Stream):  # tiling pattern: content of its own
            yield from _form(pattern, resources, number, seen, name)
        elif isinstance(pattern, pikepdf.Dictionary) and "/Shading" in pattern:
            shading = pattern["/Shading"]
            if _visit(shading, seen):
                yield Drawn("shading", number, shading, None, name)
    for name, shading in resources.get("/Shading", {}).items():
        if _visit(shading, seen):
            yield Drawn("shading", number, shading, None, name)
    for name, state in resources.get("/ExtGState", {}).items():
        mask = state.get("/SMask") if isinstance(state, pikepdf.Dictionary) else None
        group = mask.get("/G") if isinstance(mask, pikepdf.Dictionary) else None
        if isinstance(group, pikepdf.Stream):
            yield from _form(group, resources, number, seen, f"{name} soft mask")


def colour_space_family(space: pikepdf.Object, resources: pikepdf.Object | None = None) -> str:
    """'RGB', 'CMYK', 'Gray', 'Lab', 'Separation', 'Pattern', ... for a colour space
    given by name or array, looked up in ``resources`` when it is a resource name.
    ICC-based and indexed spaces count as the family of their components."""
    if isinstance(space, Name):
        device = {"/DeviceRGB": "RGB", "/DeviceCMYK": "CMYK", "/DeviceGray": "Gray"}
        if str(space) in device:
            return device[str(space)]
        if str(space) == "/Pattern":
            return "Pattern"
        spaces = resources.get("/ColorSpace", pikepdf.Dictionary()) if resources else None
        named = spaces.get(space) if spaces is not None else None
        return colour_space_family(named) if named is not None else "unknown"
    if isinstance(space, pikepdf.Array) and len(space) > 0:
        family = str(space[0])
        if family == "/ICCBased":
            components = int(space[1].get("/N", 0))
            return {1: "Gray", 3: "RGB", 4: "CMYK"}.get(components, "unknown")
        if family == "/Indexed":
            return colour_space_family(space[1], resources)
        if family in ("/CalRGB", "/CalGray", "/Lab", "/Separation", "/DeviceN", "/Pattern"):
            return {"/CalRGB": "RGB", "/CalGray": "Gray"}.get(family, family.lstrip("/"))
        return colour_space_family(space[0], resources)
    return "unknown"
