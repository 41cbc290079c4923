"""Every picture a poster uses is verified before layout; a broken one fails the poster.

Pictures come from outside the team: logos and illustrations dropped into
``assets/``. The renderer would quietly drop a picture it cannot load (the
logo replaced by its alt text), and WeasyPrint lets Pillow embed a truncated
image with its lower part flat colour. So, before a poster is laid out:

- a raster image is opened and fully decoded with Pillow, with truncated
  images refused, and its size checked against ``MAX_PIXELS`` before any
  decoding (a decompression bomb is refused without being unpacked);
- an SVG is parsed with no DTD and no entities (defusedxml), and every
  reference in it (``href``, ``src``, CSS ``url()`` and ``@import``) must be
  internal (``#id``), a ``data:`` URL, or a file inside ``assets/``; the files it
  refers to are verified in turn.

A verdict is kept per file, with the size and modification time of the file
and of every file it refers to: a picture used by every poster is decoded once
per process, and checked again when it or a picture inside it changes.
"""

from __future__ import annotations

import base64
import io
import logging
import mimetypes
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from PIL import Image, ImageFile, UnidentifiedImageError

MAX_PIXELS = 150_000_000  # an A0 poster at 300 ppi is 140 megapixels
MAX_SVG_DEPTH = 4  # an SVG's pictures that are SVGs with pictures...
SVG_SIGNATURE = re.compile(rb"^\s*(<\?xml|<svg|<!--|<!DOCTYPE)", re.IGNORECASE)
CSS_REFERENCE = re.compile(r"""url\(\s*['"]?([^'")\s]*)|@import\s+['"]([^'"]*)""", re.IGNORECASE)
LINK_ATTRIBUTES = ("href", "{http://www.w3.org/1999/xlink}href", "src")

# path -> (the stamps of it and of every file it refers to, the verdict)
_verdicts: dict[str, tuple[tuple, str | None]] = {}


@dataclass(frozen=True)
class PictureProblem:
    asset: str  # "assets/logos/x.svg"
    where: str | None  # "campaigns/c.yaml:12", the line that names it
    what: str

    def __str__(self) -> str:
        at = f" ({self.where})" if self.where else ""
        advice = "" if ";" in self.what else "; replace the file, or remove it from the campaign"
        return f"picture {self.asset}{at}: {self.what}{advice}"


def verify_picture(path: Path, project: Path) -> str | None:
    """What is wrong with the picture at ``path``, or None when it can be used."""
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint sets it on import: undo it
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check, at the same limit
    key = str(path.resolve())
    known = _verdicts.get(key)
    if known and known[0] == _stamps(known[0]):
        return known[1]
    used: list[Path] = []
    verdict = _verify(path, project, 0, used)
    _verdicts[key] = (_stamps(tuple((str(p.resolve()), None) for p in used)), verdict)
    return verdict


def _stamps(files: tuple) -> tuple:
    """Each file with its size and modification time now (None if it is gone)."""
    stamped: list[tuple[str, tuple[int, int] | None]] = []
    for name, _ in files:
        try:
            info = os.stat(name)
            stamped.append((name, (info.st_mtime_ns, info.st_size)))
        except OSError:
            stamped.append((name, None))
    return tuple(stamped)


def _verify(path: Path, project: Path, depth: int, used: list[Path] | None = None) -> str | None:
    if used is not None:
        used.append(path)
    try:
        with path.open("rb") as file:
            head = file.read(512)
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    if SVG_SIGNATURE.match(head) or path.suffix.lower() == ".svg":
        try:
            data = path.read_bytes()
        except OSError as error:
            return f"cannot be read: {error.strerror}"
        return _verify_svg(data, path, project, depth, used)
    return _verify_raster(path)


def _verify_raster(path: Path | io.BytesIO) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return (
                        f"{width}×{height} pixels is more than the limit of {MAX_PIXELS:,} "
                        "(a decompression bomb?); scale it down"
                    )
                image.load()  # every pixel decoded: a truncated or corrupt file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return (
            f"more pixels than the limit of {MAX_PIXELS:,} (a decompression bomb?); scale it down"
        )
    except UnidentifiedImageError:
        return "not a picture Pillow can read (PNG, JPEG, WebP, GIF, TIFF) nor an SVG"
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        return f"broken or truncated image data ({error})"
    return None


def _verify_svg(
    data: bytes, path: Path, project: Path, depth: int, used: list[Path] | None = None
) -> str | None:
    """``data``: the SVG, whose relative references are relative to ``path``."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as error:
        return (
            "an SVG with a DTD or entities is refused (they can read other files or fill "
            f"the memory: {type(error).__name__}); save it again as plain SVG"
        )
    except ParseError as error:
        return f"not a valid SVG (XML) file: {error}"
    except ValueError as error:
        return f"not a valid SVG file: {error}"
    if not str(root.tag).endswith("svg"):
        return f"not an SVG: its root element is <{root.tag}>"
    assets = (project / "assets").resolve()
    for reference in _references(root):
        if reference.startswith("#") or not reference:
            continue
        if reference.lower().startswith("data:"):
            problem = _verify_data_url(reference, path, project, depth, used)
            if problem:
                return f"its embedded picture (a data: URL): {problem}"
            continue
        target = urljoin(path.resolve().as_uri(), reference)
        parts = urlsplit(target)
        local = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
        if local is None or parts.netloc or not local.is_relative_to(assets):
            return (
                f"it refers to {reference[:120]!r}, outside assets/: an SVG may only "
                "use files in assets/"
            )
        if not local.is_file():
            if used is not None:
                used.append(local)  # put there later: verified then
            return f"it refers to {reference[:120]!r}, which does not exist"
        kind = mimetypes.guess_type(local.name)[0] or ""
        if kind.startswith(("font/", "text/css", "application/font")):
            continue  # not a picture: the renderer's fetcher serves it, from assets/ only
        if depth >= MAX_SVG_DEPTH:
            return "its pictures nest too deep"
        problem = _verify(local, project, depth + 1, used)
        if problem:
            return f"its picture {local.relative_to(project.resolve()).as_posix()}: {problem}"
    return None


def _verify_data_url(
    url: str, path: Path, project: Path, depth: int, used: list[Path] | None = None
) -> str | None:
    """A picture embedded as a ``data:`` URL is verified like a file."""
    header, _, payload = url[5:].partition(",")
    kind = header.split(";")[0].strip().lower()
    if not kind.startswith("image/"):
        return None  # fonts, CSS: the renderer's fetcher serves these, never a file
    try:
        data = (
            base64.b64decode(payload, validate=False)
            if ";base64" in header
            else (unquote(payload).encode("utf-8", "surrogateescape"))
        )
    except ValueError as error:
        return f"broken data: URL ({error})"
    if kind == "image/svg+xml":
        if depth >= MAX_SVG_DEPTH:
            return "its pictures nest too deep"
        return _verify_svg(data, path, project, depth + 1, used)
    return _verify_raster(io.BytesIO(data))


def _references(root):
    """Every URL an SVG names: link attributes, and url()/@import in CSS."""
    for element in root.iter():
        for name in LINK_ATTRIBUTES:
            value = element.get(name)
            if value is not None:
                yield value.strip()
        css = (element.get("style") or "") + (
            element.text or "" if str(element.tag).endswith("style") else ""
        )
        for attribute, value in element.attrib.items():
            if "url(" in value and attribute != "style":
                css += " " + value
        for match in CSS_REFERENCE.finditer(css):
            yield (match.group(1) or match.group(2) or "").strip()


def asset_paths(value) -> list[str]:
    """Every ``assets/...`` path in a campaign model (or its parts), in order."""
    found: list[str] = []

    def walk(node) -> None:
        if hasattr(node, "model_dump"):
            walk(node.model_dump())
        elif isinstance(node, str):
            if node.startswith("assets/"):
                found.append(node)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(value)
    return list(dict.fromkeys(found))


def job_pictures(job, campaign) -> list[str]:
    """The asset paths a poster can show: its design's, its placement's, and the logos of
    the design's organisations."""
    design = campaign.design(job.design_id)
    placement = campaign.placement(job.placement_id)
    organisations = [
        campaign.organisation(org_id) for org_id in getattr(design, "organisations", None) or []
    ]
    return asset_paths([design, placement, *organisations])


def check_job_pictures(job, campaign, project: Path) -> list[PictureProblem]:
    """The problems of every picture a poster uses, each named with its campaign line."""
    problems = []
    for asset in job_pictures(job, campaign):
        what = verify_picture(project / asset, project)
        if what:
            problems.append(PictureProblem(asset, campaign.asset_location(asset), what))
    return problems


@contextmanager
def drawing_failures() -> Iterator[list[str]]:
    """The pictures the renderer could not load or draw while in this block: the last net,
    for any the checks above let through (WeasyPrint logs them and draws nothing)."""
    failures: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR and str(record.msg).startswith(
                ("Failed to load image", "Failed to render SVG image")
            ):
                failures.append(record.getMessage()[:300])

    handler = Catch()
    renderer = logging.getLogger("weasyprint")
    renderer.addHandler(handler)
    try:
        yield failures
    finally:
        renderer.removeHandler(handler)
