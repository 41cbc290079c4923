"""Raster images (photos, illustrations) at their printed size: enough pixels?

A picture that looks sharp on screen can print soft: what counts is its
effective resolution, the pixels per inch it has at the size the layout gives
it. Here the source asset (read with Pillow) is compared with the box the
layout put it in (read from WeasyPrint's layout). How many pixels per inch a
print needs depends on how far away it is seen (``wanted_ppi``): 300 ppi for
what is read from a metre or less, less for a sign or a banner seen from
metres away. Below half of that the poster fails, below it the poster gets a
warning. Both name the image, the line of the campaign file that uses it and
the poster. Preflight judges the images of a finished PDF by the same rule.

``check_resolution`` is the rule on its own (pixels and printed size in, a
finding out), for any other check that knows both, such as one reading the
images from a finished PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from PIL import Image, UnidentifiedImageError

from ..planning.formats import CSS_PPI, MM_PER_INCH, PX_PER_MM

GOOD_PPI = 300.0  # below: a warning (read from a metre or less)
MIN_PPI = GOOD_PPI / 2  # below: the poster fails; half of what is wanted, at any distance
LEAST_WANTED_PPI = 100.0  # however far away a print is seen

# EXIF orientations that turn the picture a quarter: width and height swap.
_QUARTER_TURNS = {5, 6, 7, 8}


def wanted_ppi(viewing_distance_m: float) -> float:
    """The resolution a print seen from ``viewing_distance_m`` wants: 300 ppi up to a
    metre, falling with the distance (the eye resolves an angle, not a length), never
    below 100 ppi. Half of it is the least a poster may print."""
    return max(LEAST_WANTED_PPI, min(GOOD_PPI, GOOD_PPI / max(viewing_distance_m, 1e-3)))


@dataclass(frozen=True)
class PlacedImage:
    """An image as the layout placed it."""

    src: str
    page: int  # 1-based
    width_mm: float
    height_mm: float
    object_fit: str = "fill"
    classes: str = ""


@dataclass(frozen=True)
class ResolutionFinding:
    level: str  # "error" (below MIN_PPI) or "warning" (below GOOD_PPI)
    message: str


def effective_ppi(
    pixels: tuple[int, int], printed_mm: tuple[float, float], fit: str = "fill"
) -> float:
    """Pixels per inch of an image of ``pixels`` drawn into a box of ``printed_mm``.

    ``fit`` is the CSS ``object-fit``: ``fill`` stretches each axis on its own
    (the lower resolution counts), ``cover`` scales until the box is covered
    (the image is larger than the box, cropped), ``contain`` until it fits,
    ``none`` keeps the natural size, ``scale-down`` the smaller of the two.
    """
    scales = (printed_mm[0] / pixels[0], printed_mm[1] / pixels[1])  # mm per pixel
    if fit == "none":
        return CSS_PPI  # drawn at its natural size
    if fit == "cover":
        return MM_PER_INCH / max(scales)  # scaled until both sides cover the box
    contained = MM_PER_INCH / min(scales)  # scaled until both sides fit in the box
    if fit == "contain":
        return contained
    if fit == "scale-down":
        return max(contained, CSS_PPI)  # the smaller of natural size and contained
    return MM_PER_INCH / max(scales)  # fill: each axis stretched alone, the coarser counts


def check_resolution(
    name: str,
    pixels: tuple[int, int],
    printed_mm: tuple[float, float],
    where: str = "",
    fit: str = "fill",
    wanted: float = GOOD_PPI,
) -> ResolutionFinding | None:
    """The verdict on one image: None when it is sharp enough for print.

    ``name`` says which image (an asset path), ``where`` where it is used (a
    campaign file line, a poster); both go into the message. ``wanted``: the
    resolution the print wants at its viewing distance (``wanted_ppi``); below half
    of it the image is an error.
    """
    ppi = effective_ppi(pixels, printed_mm, fit)
    if ppi >= wanted:
        return None
    least = wanted * MIN_PPI / GOOD_PPI
    level = "error" if ppi < least else "warning"
    # Pixels needed for the wanted resolution over the longer printed side.
    scale = wanted / ppi
    needed = (round(pixels[0] * scale), round(pixels[1] * scale))
    limit = (
        f"below the {least:g} ppi minimum"
        if level == "error"
        else f"below the {wanted:g} ppi wanted for print"
    )
    at = f" {where}" if where else ""
    message = (
        f"image {name}{at}: {ppi:.0f} ppi at its printed size "
        f"{printed_mm[0]:.0f}×{printed_mm[1]:.0f} mm ({pixels[0]}×{pixels[1]} px), {limit}; "
        f"use an image of at least {needed[0]}×{needed[1]} px"
    )
    return ResolutionFinding(level, message)


def image_pixels(path: Path) -> tuple[int, int] | None:
    """Width and height of a raster image as it is drawn (EXIF rotation applied);
    None for a file Pillow cannot read as a raster image (an SVG, say)."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
    except (UnidentifiedImageError, OSError):
        return None
    return (height, width) if orientation in _QUARTER_TURNS else (width, height)


def placed_images(document) -> list[PlacedImage]:
    """Every image of a laid-out WeasyPrint document, with its printed size."""
    found = []
    for number, page in enumerate(document.pages, 1):
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            box = getattr(box, "_box", box)  # positioned boxes sit in a placeholder
            element = getattr(box, "element", None)
            if getattr(box, "replacement", None) is not None and element is not None:
                found.append(
                    PlacedImage(
                        src=element.get("src") or "",
                        page=number,
                        width_mm=box.width / PX_PER_MM,
                        height_mm=box.height / PX_PER_MM,
                        object_fit=str(box.style["object_fit"]),
                        classes=element.get("class") or "",
                    )
                )
            stack.extend(getattr(box, "children", ()))
    return found


def asset_path(src: str, project: Path) -> Path | None:
    """The project file behind an image's ``file:`` URL; None for ``data:`` URLs."""
    parts = urlsplit(src)
    if parts.scheme != "file":
        return None
    path = Path(unquote(parts.path)).resolve()
    root = project.resolve()
    return path if path.is_relative_to(root) else None


def check_placed_images(
    images: list[PlacedImage],
    project: Path,
    poster: str,
    locate=lambda asset: None,
    wanted: float = GOOD_PPI,
) -> list[ResolutionFinding]:
    """The findings for every raster image of a poster, each image and size once.

    ``wanted``: the resolution its viewing distance wants (``wanted_ppi``). ``locate`` maps an asset path ("assets/x.png") to where the campaign file
    names it ("campaigns/c.yaml:12"), or None.
    """
    findings: dict[str, ResolutionFinding] = {}
    for image in images:
        path = asset_path(image.src, project)
        if path is None or image.width_mm <= 0 or image.height_mm <= 0:
            continue
        pixels = image_pixels(path)
        if pixels is None:
            continue  # vector: sharp at any size
        name = path.relative_to(project.resolve()).as_posix()
        line = locate(name)
        where = f"({line}) on {poster}" if line else f"on {poster}"
        if image.page > 1:
            where += f" page {image.page}"
        finding = check_resolution(
            name, pixels, (image.width_mm, image.height_mm), where, image.object_fit, wanted
        )
        if finding is not None:
            findings.setdefault(finding.message, finding)
    return list(findings.values())


def check_pictures(context, rendered) -> tuple[list[str], list[str]]:
    """(errors, warnings) for the pictures of a rendered poster: raster images'
    resolution at their printed size, and the QR code's printed size."""
    from .qr import check_printed_sizes

    job, campaign = context.job, context.campaign
    findings = check_placed_images(
        list(rendered.images),
        context.project,
        job.name,
        campaign.asset_location,
        wanted_ppi(job.format.viewing_distance_m),
    )
    errors = [f.message for f in findings if f.level == "error"]
    warnings = [f.message for f in findings if f.level == "warning"]
    qr = context.qr_image
    if qr is not None:
        printed = [
            (image.width_mm, image.height_mm) for image in rendered.images if image.src == qr.uri
        ]
        errors += check_printed_sizes(qr, printed, job.format)
    return errors, warnings
