"""Logos and pictures uploaded through the workspace: checked, then stored under assets/.

Accepted: PNG and JPEG (opened and fully decoded by Pillow, within a pixel
limit) and SVG (parsed as XML with no document type, so no entities at all;
no scripts, no event handlers, and no reference to anything but the file's
own elements or an embedded image). The stored name is made from the given
one, reduced to letters, digits and '-', in a folder the form chooses from a
fixed list: nothing in the request names a path.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from ..output.files import write_atomically

MAX_UPLOAD = 5 * 1024 * 1024
MAX_PIXELS = 60_000_000  # a 7,000 × 8,500 px picture: an A1 poster at 300 dpi
FOLDERS = {"logos": "assets/logos", "pictures": "assets/illustrations"}
RASTER = {"PNG": ".png", "JPEG": ".jpg"}
SVG_NS = "{http://www.w3.org/2000/svg}"
LINK_ATTRIBUTES = ("href", "{http://www.w3.org/1999/xlink}href", "src")
URL_IN_STYLE = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)


class UploadRefused(ValueError):
    pass


def _stem(filename: str) -> str:
    stem = Path(filename or "").stem.lower()
    stem = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:60]
    if not stem:
        raise UploadRefused("give the file a name with letters or digits")
    return stem


def check_svg(data: bytes) -> None:
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise UploadRefused("SVG with a document type or entities is not accepted")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise UploadRefused(f"not a valid SVG file: {error}") from None
    if root.tag != f"{SVG_NS}svg":
        raise UploadRefused("not an SVG file (its root element is not <svg>)")
    for element in root.iter():
        tag = element.tag.split("}")[-1].lower() if isinstance(element.tag, str) else ""
        if tag in ("script", "foreignobject"):
            raise UploadRefused(f"SVG with <{tag}> is not accepted")
        for name, value in element.attrib.items():
            local = name.split("}")[-1].lower()
            if local.startswith("on"):
                raise UploadRefused(f"SVG with an event handler ({local}) is not accepted")
            if name in LINK_ATTRIBUTES or local == "href":
                link = value.strip()
                if not (link.startswith("#") or link.startswith("data:image/")):
                    raise UploadRefused(
                        f"SVG refers to '{link[:80]}': only its own elements (#id) or "
                        "embedded images may be referred to"
                    )
            if URL_IN_STYLE.search(value):
                raise UploadRefused("SVG style refers to an outside file (url(...))")
        if (
            tag == "style"
            and element.text
            and (URL_IN_STYLE.search(element.text) or "@import" in element.text)
        ):
            raise UploadRefused("SVG style refers to an outside file")


def check_raster(data: bytes) -> str:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            if kind not in RASTER:
                raise UploadRefused(f"{kind} pictures are not accepted: use PNG, JPEG or SVG")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise UploadRefused(f"{width} × {height} pixels is too large")
            image.load()  # decode it all: a truncated or corrupt file fails here
    except UploadRefused:
        raise
    except Exception as error:  # Pillow raises many kinds for a broken file
        raise UploadRefused(f"not a picture Pillow can read: {error}") from None
    return RASTER[kind]


def store_upload(project: Path, folder: str, filename: str, data: bytes) -> str:
    """Check the upload and write it; its path as a campaign names it (assets/...)."""
    if folder not in FOLDERS:
        raise UploadRefused(f"unknown folder '{folder}' (expected one of: {', '.join(FOLDERS)})")
    if not data:
        raise UploadRefused("the file is empty")
    if len(data) > MAX_UPLOAD:
        raise UploadRefused(f"the file is {len(data):,} bytes; the limit is {MAX_UPLOAD:,}")
    stem = _stem(filename)
    if data.lstrip()[:5] in (b"<?xml", b"<svg ", b"<svg>") or filename.lower().endswith(".svg"):
        check_svg(data)
        suffix = ".svg"
    else:
        suffix = check_raster(data)
    relative = f"{FOLDERS[folder]}/{stem}{suffix}"
    target = project / relative
    if target.is_symlink():
        raise UploadRefused(f"{relative} is a link: not replaced")
    if target.exists() and target.read_bytes() != data:
        raise UploadRefused(
            f"{relative} exists (a campaign may use it): give the new file another name"
        )
    write_atomically(target, data)
    return relative
