"""Prepress: make WeasyPrint's PDF into the file the print profile asks for (pikepdf).

For a press profile, on every page:

- colours: every RGB colour the page draws becomes CMYK. A colour equal to a
  palette colour's sRGB value takes that colour's CMYK values; any other goes
  through the output ICC profile (neutral greys to black ink only, so grey text
  is not built from four inks). Raster images are converted with Pillow's
  ImageCms; for PDF/X-1a their transparency is flattened onto the paper.
- the sheet: the page grows to hold crop marks outside the bleed; TrimBox is
  the exact format, BleedBox 3 mm around it, MediaBox the whole sheet; the
  artwork is clipped to the bleed so nothing reaches the marks.
- crop marks in registration colour (Separation /All: every plate).
- the output intent with the ICC profile, the PDF/X identification in the
  document info and the XMP metadata, dates from the print setup and
  identifiers derived from the content: the same inputs give the same bytes.

A digital profile leaves WeasyPrint's PDF as it is. Nothing here decides
whether the result is good: preflight reads the file back and says so.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, SupportsFloat, cast
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Name
from PIL import Image, ImageCms

from .. import tool_version
from ..errors import PosterFailure
from ..planning.formats import BLEED_MM, PT_PER_MM, PaperFormat
from .pdfwalk import colour_space_family, walk
from .profiles import IccProfile, PrintSetup

MARK_OFFSET_MM = 5.0  # from the trim to the start of a crop mark: 2 mm clear of the bleed
MARK_LENGTH_MM = 5.0
MARK_WEIGHT_PT = 0.25
SHEET_MARGIN_MM = MARK_OFFSET_MM + MARK_LENGTH_MM + 2.0  # from the trim to the sheet's edge
TRIM_TOLERANCE_PT = 0.05
REGISTRATION = Name("/PosterRegistration")  # colour space resource name of the marks


class PrepressError(PosterFailure):
    """The rendered PDF cannot be made into the profile's file; the message says why."""


@dataclass
class PrepressResult:
    pdf: bytes
    notes: list[str] = field(default_factory=list)  # what was converted, for the warnings


# --- colour conversion ----------------------------------------------------------------


@cache
def _output_profile(icc: IccProfile) -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(io.BytesIO(icc.data))


@cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@cache
def _transform(
    icc: IccProfile, source: str, target: str, intent: ImageCms.Intent, source_icc: bytes = b""
):
    """An ImageCms transform between sRGB (or an image's own profile) and the output profile."""
    output = _output_profile(icc)
    given = ImageCms.ImageCmsProfile(io.BytesIO(source_icc)) if source_icc else _srgb_profile()
    flags = ImageCms.Flags.BLACKPOINTCOMPENSATION
    if source == "CMYK":
        return ImageCms.buildTransform(output, _srgb_profile(), "CMYK", target, intent, flags=flags)
    return ImageCms.buildTransform(given, output, source, target, intent, flags=flags)


class ColourConverter:
    """RGB to the output profile's CMYK: palette colours exactly, others through the ICC profile."""

    def __init__(self, setup: PrintSetup):
        assert setup.icc is not None
        self.icc = setup.icc
        self.palette = {c.rgb: tuple(v / 100 for v in c.cmyk) for c in setup.colours.values()}
        self.cache: dict[tuple[int, int, int], tuple[float, ...]] = {}

    def vector(self, rgb: Sequence[SupportsFloat]) -> tuple[float, ...]:
        # callers pass an RGB colour's three operands or components
        key = cast(
            tuple[int, int, int], tuple(max(0, min(255, round(float(v) * 255))) for v in rgb)
        )
        if key not in self.cache:
            self.cache[key] = self._convert(key)
        return self.cache[key]

    def _convert(self, rgb: tuple[int, int, int]) -> tuple[float, ...]:
        if rgb in self.palette:
            return self.palette[rgb]
        if rgb[0] == rgb[1] == rgb[2]:
            return (0.0, 0.0, 0.0, _black_for_grey(self.icc)[rgb[0]])
        pixel = Image.new("RGB", (1, 1), rgb)
        transform = _transform(self.icc, "RGB", "CMYK", ImageCms.Intent.RELATIVE_COLORIMETRIC)
        converted = ImageCms.applyTransform(pixel, transform)
        assert converted is not None  # not inPlace: the converted copy is returned
        cmyk = cast(tuple[int, ...], converted.getpixel((0, 0)))  # a CMYK pixel: four bands
        return tuple(round(v / 255, 4) for v in cmyk)

    def image(self, image: Image.Image, source_icc: bytes = b"") -> Image.Image:
        if image.mode == "CMYK":
            return image
        image = image.convert("RGB")
        transform = _transform(self.icc, "RGB", "CMYK", ImageCms.Intent.PERCEPTUAL, source_icc)
        converted = ImageCms.applyTransform(image, transform)
        assert converted is not None  # not inPlace: the converted copy is returned
        return converted


@cache
def _black_for_grey(icc: IccProfile) -> tuple[float, ...]:
    """For each sRGB grey level, the black-ink-only tint that prints as light."""
    ramp = Image.new("CMYK", (101, 1))
    ramp.putdata([(0, 0, 0, round(k * 2.55)) for k in range(101)])
    to_rgb = _transform(icc, "CMYK", "RGB", ImageCms.Intent.RELATIVE_COLORIMETRIC)
    converted = ImageCms.applyTransform(ramp, to_rgb)
    assert converted is not None  # not inPlace: the converted copy is returned
    printed = [cast(tuple[int, ...], converted.getpixel((k, 0)))[1] for k in range(101)]  # RGB
    table = []
    for level in range(256):
        k = min(range(101), key=lambda i: abs(printed[i] - level))
        table.append(1.0 if level == 0 else 0.0 if level == 255 else k / 100)
    return tuple(table)


def _convert_content(drawn, converter: ColourConverter, used_spaces: set[str]) -> int:
    """Rewrite one content stream's RGB colour operators as CMYK; return how many changed."""
    instructions = pikepdf.parse_content_stream(drawn.obj)
    rgb_space = {"fill": False, "stroke": False}
    changed = 0
    out: list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage] = []
    for instruction in instructions:
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            out.append(instruction)
            continue
        operands: list[Any] = list(instruction.operands)  # PDF objects, or floats replacing them
        operator = str(instruction.operator)
        if operator in ("rg", "RG") and len(operands) == 3:
            operands = list(converter.vector(operands))
            operator = "k" if operator == "rg" else "K"
            changed += 1
        elif operator in ("cs", "CS") and operands:
            which = "fill" if operator == "cs" else "stroke"
            used_spaces.add(str(operands[0]))
            rgb_space[which] = colour_space_family(operands[0], drawn.resources) == "RGB"
            if rgb_space[which]:
                operands = [Name.DeviceCMYK]
                changed += 1
        elif operator in ("sc", "scn", "SC", "SCN"):
            which = "fill" if operator in ("sc", "scn") else "stroke"
            if rgb_space[which] and len(operands) == 3:
                operands = list(converter.vector(operands))
                changed += 1
        out.append(pikepdf.ContentStreamInstruction(operands, pikepdf.Operator(operator)))
    if changed:
        data = pikepdf.unparse_content_stream(out)
        if isinstance(drawn.obj, pikepdf.Dictionary) and drawn.obj.get("/Type") == Name.Page:
            pikepdf.Page(drawn.obj).contents_coalesce()
            drawn.obj.Contents.write(data)
        else:
            drawn.obj.write(data)
    return changed


# Converted image data by a digest of what the conversion reads: the same picture
# (an illustration on every poster of a campaign) is converted once per process.
_CONVERTED: dict[str, bytes] = {}
_CONVERTED_MAX = 32


def _convert_image(image: pikepdf.Stream, converter: ColourConverter, flatten: bool) -> bool:
    """An RGB (or, for flattening, any masked) image in the output CMYK; True if changed."""
    if image.get("/ImageMask", False):
        return False
    family = colour_space_family(image.get("/ColorSpace", Name.DeviceGray))
    mask = image.get("/SMask")
    if family != "RGB" and not (flatten and mask is not None):
        return False
    digest = hashlib.sha256()
    for part in (
        image.read_raw_bytes(),
        repr(sorted((str(k), repr(v)) for k, v in image.items() if k != "/Length")).encode(),
        mask.read_raw_bytes() if flatten and mask is not None else b"",
        converter.icc.sha256.encode(),
        b"flatten" if flatten else b"",
    ):
        digest.update(hashlib.sha256(part).digest())
    key = digest.hexdigest()
    data = _CONVERTED.get(key)
    if data is None:
        data = _converted_data(image, converter, flatten)
        if len(_CONVERTED) >= _CONVERTED_MAX:
            _CONVERTED.clear()
        _CONVERTED[key] = data
    if flatten and mask is not None:
        del image["/SMask"]
    image.write(data, filter=Name.FlateDecode)
    image.ColorSpace = Name.DeviceCMYK
    image.BitsPerComponent = 8
    for key in ("/Decode", "/DecodeParms", "/SMaskInData", "/Intent"):
        if key in image:
            del image[key]
    return True


def _converted_data(image: pikepdf.Stream, converter: ColourConverter, flatten: bool) -> bytes:
    """The image's pixels in the output CMYK, compressed (transparency flattened if asked)."""
    mask = image.get("/SMask")
    picture = pikepdf.PdfImage(image).as_pil_image()
    source_icc = b""
    space = image.get("/ColorSpace")
    if isinstance(space, pikepdf.Array) and str(space[0]) == "/ICCBased":
        source_icc = space[1].read_bytes()
    if flatten and mask is not None:
        soft_mask = cast(pikepdf.Stream, mask)  # an image's /SMask is an image XObject
        alpha = pikepdf.PdfImage(soft_mask).as_pil_image().convert("L").resize(picture.size)
        paper = Image.new(picture.convert("RGB").mode, picture.size, (255, 255, 255))
        picture = Image.composite(picture.convert("RGB"), paper, alpha)
    cmyk = converter.image(picture, source_icc)
    return zlib.compress(cmyk.tobytes(), 6)


def _convert_shading(shading: pikepdf.Object, converter: ColourConverter) -> bool:
    """Axial and radial RGB shadings with exponential functions: endpoints to CMYK."""
    if colour_space_family(shading.get("/ColorSpace", Name.DeviceGray)) != "RGB":
        return False
    functions = [shading.get("/Function")]
    if functions[0] is not None and functions[0].get("/FunctionType") == 3:
        functions = list(functions[0].get("/Functions", []))
    if not all(f is not None and f.get("/FunctionType") == 2 for f in functions):
        return False  # sampled or PostScript functions: left for preflight to report
    for function in functions:
        assert function is not None  # checked just above
        for key, default in (("/C0", (0, 0, 0)), ("/C1", (1, 1, 1))):
            values = [float(v) for v in function.get(key, default)]
            function[key] = pikepdf.Array(converter.vector(values))
    shading.ColorSpace = Name.DeviceCMYK
    return True


def _convert_group(obj: pikepdf.Object, keep_transparency: bool) -> None:
    group = obj.get("/Group")
    if not isinstance(group, pikepdf.Dictionary) or group.get("/S") != Name.Transparency:
        return
    if not keep_transparency:
        # WeasyPrint groups opaque SVG text; an isolated, normal, opaque group paints as
        # its content would. Real transparency (alpha, soft masks) preflight reports.
        del obj["/Group"]
    elif colour_space_family(group.get("/CS", Name.DeviceCMYK)) == "RGB":
        group.CS = Name.DeviceCMYK


def convert_colours(pdf: pikepdf.Pdf, setup: PrintSetup) -> list[str]:
    converter = ColourConverter(setup)
    keep_transparency = setup.profile.transparency
    counts = {"content": 0, "image": 0, "shading": 0}
    used_spaces: set[str] = set()
    for drawn in list(walk(pdf)):
        if drawn.kind == "content":
            counts["content"] += _convert_content(drawn, converter, used_spaces)
            _convert_group(drawn.obj, keep_transparency)
        elif drawn.kind == "image":
            image = cast(pikepdf.Stream, drawn.obj)  # walk() yields images as streams
            counts["image"] += _convert_image(image, converter, not keep_transparency)
        elif drawn.kind == "shading":
            counts["shading"] += _convert_shading(drawn.obj, converter)
    _drop_unused_colour_spaces(pdf, used_spaces)
    notes = []
    if counts["image"]:
        notes.append(f"{counts['image']} raster image(s) converted to {converter.icc.description}")
    return notes


def _drop_unused_colour_spaces(pdf: pikepdf.Pdf, used: set[str]) -> None:
    """WeasyPrint declares Lab spaces on every page whether drawn or not; unused, they
    only make validators look twice."""
    for page in pdf.pages:
        spaces = page.obj.get("/Resources", pikepdf.Dictionary()).get("/ColorSpace")
        if isinstance(spaces, pikepdf.Dictionary):
            for name in list(spaces.keys()):
                if name not in used and name != str(REGISTRATION):
                    del spaces[name]


# --- sheet, boxes and marks -------------------------------------------------------------


def _pt(mm: float) -> float:
    return round(mm * PT_PER_MM, 4)


def set_sheet(pdf: pikepdf.Pdf, paper: PaperFormat, marks: bool) -> None:
    """Boxes on every page; with ``marks``, a larger sheet and crop marks outside the bleed."""
    width, height = (_pt(v) for v in paper.trim_mm)
    bleed = _pt(BLEED_MM)
    margin = _pt(SHEET_MARGIN_MM) if marks else bleed
    for number, page in enumerate(pdf.pages, 1):
        trim = [float(v) for v in page.obj.get("/TrimBox", page.obj.MediaBox)]
        found_w, found_h = trim[2] - trim[0], trim[3] - trim[1]
        if abs(found_w - width) > TRIM_TOLERANCE_PT or abs(found_h - height) > TRIM_TOLERANCE_PT:
            raise PrepressError(
                f"page {number}: the layout's page is {found_w / PT_PER_MM:.2f}×"
                f"{found_h / PT_PER_MM:.2f} mm, not the {paper.label} trim "
                f"{paper.trim_mm[0]:g}×{paper.trim_mm[1]:g} mm"
            )
        media = [float(v) for v in page.obj.MediaBox]
        if min(trim[0] - media[0], trim[1] - media[1], media[2] - trim[2], media[3] - trim[3]) < (
            bleed - TRIM_TOLERANCE_PT
        ):
            raise PrepressError(f"page {number}: the layout has no {BLEED_MM:g} mm bleed")
        # Move the trim's corner to (margin, margin) so the sheet starts at the origin,
        # and clip the artwork to its bleed.
        dx, dy = margin - trim[0], margin - trim[1]
        prefix = (
            f"q 1 0 0 1 {dx:.4f} {dy:.4f} cm "
            f"{trim[0] - bleed:.4f} {trim[1] - bleed:.4f} {width + 2 * bleed:.4f} "
            f"{height + 2 * bleed:.4f} re W n\n"
        )
        wrapper = pikepdf.Page(page.obj)
        wrapper.contents_add(pdf.make_stream(prefix.encode()), prepend=True)
        wrapper.contents_add(pdf.make_stream(b"\nQ\n"))
        page.obj.MediaBox = _box(0, 0, width + 2 * margin, height + 2 * margin)
        page.obj.TrimBox = _box(margin, margin, margin + width, margin + height)
        page.obj.BleedBox = _box(
            margin - bleed, margin - bleed, margin + width + bleed, margin + height + bleed
        )
        for key in ("/CropBox", "/ArtBox"):
            if key in page.obj:
                del page.obj[key]
        for annotation in page.obj.get("/Annots", []):
            rect = [float(v) for v in annotation.Rect]
            annotation.Rect = _box(rect[0] + dx, rect[1] + dy, rect[2] + dx, rect[3] + dy)
        if marks:
            _draw_crop_marks(pdf, page, margin, width, height)


def _box(*values: float) -> pikepdf.Array:
    return pikepdf.Array([round(v, 4) for v in values])


def _registration_space(pdf: pikepdf.Pdf) -> pikepdf.Array:
    tint = pikepdf.Dictionary(
        FunctionType=2,
        Domain=pikepdf.Array([0, 1]),
        C0=pikepdf.Array([0, 0, 0, 0]),
        C1=pikepdf.Array([1, 1, 1, 1]),
        N=1,
    )
    return pdf.make_indirect(pikepdf.Array([Name.Separation, Name.All, Name.DeviceCMYK, tint]))


def _draw_crop_marks(pdf, page, margin: float, width: float, height: float) -> None:
    """Two hairlines at each corner, on the trim's lines, starting outside the bleed."""
    resources = page.obj.get("/Resources")
    if resources is None:
        page.obj.Resources = resources = pikepdf.Dictionary()
    spaces = resources.get("/ColorSpace")
    if spaces is None:
        resources.ColorSpace = spaces = pikepdf.Dictionary()
    if REGISTRATION not in spaces:
        spaces[REGISTRATION] = _registration_space(pdf)
    offset, length = _pt(MARK_OFFSET_MM), _pt(MARK_LENGTH_MM)
    left, bottom, right, top = margin, margin, margin + width, margin + height
    lines = []
    corners = (
        (left, bottom, -1, -1),
        (right, bottom, 1, -1),
        (left, top, -1, 1),
        (right, top, 1, 1),
    )
    for x, y, sx, sy in corners:
        lines.append((x + sx * offset, y, x + sx * (offset + length), y))  # horizontal
        lines.append((x, y + sy * offset, x, y + sy * (offset + length)))  # vertical
    body = "".join(f"{x0:.4f} {y0:.4f} m {x1:.4f} {y1:.4f} l S\n" for x0, y0, x1, y1 in lines)
    stream = (f"q {REGISTRATION} CS 1 SCN {MARK_WEIGHT_PT} w 0 J 0 j [] 0 d\n{body}Q\n").encode()
    pikepdf.Page(page.obj).contents_add(pdf.make_stream(stream))


# --- output intent and metadata ---------------------------------------------------------


def set_output_intent(pdf: pikepdf.Pdf, icc: IccProfile) -> None:
    profile = pdf.make_stream(icc.data)
    profile.N = 4
    intent = pikepdf.Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFX,
        OutputConditionIdentifier=pikepdf.String("Custom"),
        OutputCondition=pikepdf.String(icc.description),
        Info=pikepdf.String(icc.description),
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


def set_metadata(pdf: pikepdf.Pdf, setup: PrintSetup, source_digest: str) -> None:
    """Document info and XMP, identical in what they both say; nothing from the clock."""
    assert setup.date is not None and setup.profile.pdf_x is not None
    title = str(pdf.docinfo.get("/Title", "")) or "Poster"
    subject = str(pdf.docinfo.get("/Subject", ""))
    pdf_date = setup.date.strftime("D:%Y%m%d%H%M%SZ")
    xmp_date = setup.date.strftime("%Y-%m-%dT%H:%M:%SZ")
    producer = f"{pdf.docinfo.get('/Producer', 'WeasyPrint')}; pikepdf {pikepdf.__version__}"
    creator = f"poster-generator {tool_version()}"
    document_id = uuid.UUID(bytes=bytes.fromhex(source_digest[:32]), version=4)
    instance_id = uuid.UUID(bytes=bytes.fromhex(source_digest[32:64]), version=4)
    info = pdf.docinfo
    for key in list(info.keys()):
        del info[key]
    info.Title = pikepdf.String(title)
    if subject:
        info.Subject = pikepdf.String(subject)
    info.Creator = pikepdf.String(creator)
    info.Producer = pikepdf.String(producer)
    info.CreationDate = pikepdf.String(pdf_date)
    info.ModDate = pikepdf.String(pdf_date)
    info.Trapped = Name("/False")
    info.GTS_PDFXVersion = pikepdf.String(setup.profile.pdf_x)
    xmp = XMP_TEMPLATE.format(
        title=escape(title),
        description=_xmp_description(subject),
        creator=escape(creator),
        producer=escape(producer),
        date=xmp_date,
        document_id=f"uuid:{document_id}",
        instance_id=f"uuid:{instance_id}",
        pdfx=escape(setup.profile.pdf_x),
    )
    metadata = pdf.make_stream(xmp.encode("utf-8"))
    metadata.Type = Name.Metadata
    metadata.Subtype = Name.XML
    pdf.Root.Metadata = metadata


def _xmp_description(subject: str) -> str:
    """XMP's dc:description, which must say what the document info's Subject says."""
    if not subject:
        return ""
    item = f'<rdf:li xml:lang="x-default">{escape(subject)}</rdf:li>'
    return f"\n   <dc:description><rdf:Alt>{item}</rdf:Alt></dc:description>"


XMP_TEMPLATE = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>{description}
   <xmp:CreatorTool>{creator}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <pdf:Producer>{producer}</pdf:Producer>
   <pdf:Trapped>False</pdf:Trapped>
   <xmpMM:DocumentID>{document_id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>{instance_id}</xmpMM:InstanceID>
   <xmpMM:VersionID>1</xmpMM:VersionID>
   <xmpMM:RenditionClass>default</xmpMM:RenditionClass>
   <pdfxid:GTS_PDFXVersion>{pdfx}</pdfxid:GTS_PDFXVersion>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


# --- the stage --------------------------------------------------------------------------


def prepress(pdf_bytes: bytes, paper: PaperFormat, setup: PrintSetup) -> PrepressResult:
    """The file the profile asks for, from WeasyPrint's PDF of one poster (every page)."""
    profile = setup.profile
    if not profile.is_press:
        return PrepressResult(pdf_bytes)
    if setup.icc is None:
        raise PrepressError(f"print profile '{profile.name}' has no CMYK ICC profile")
    # Identifiers come from what was rendered and how it is prepared, never from the clock.
    digest = hashlib.sha256(pdf_bytes)
    digest.update(json.dumps(setup.key(), sort_keys=True).encode())
    if setup.date is not None:
        digest.update(setup.date.isoformat().encode())
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        notes = convert_colours(pdf, setup)
        set_sheet(pdf, paper, profile.marks)
        set_output_intent(pdf, setup.icc)
        set_metadata(pdf, setup, digest.hexdigest())
        out = io.BytesIO()
        pdf.save(
            out,
            deterministic_id=True,
            force_version=profile.pdf_version,
            fix_metadata_version=False,
            object_stream_mode=(
                pikepdf.ObjectStreamMode.disable
                if profile.pdf_version < "1.5"
                else pikepdf.ObjectStreamMode.preserve
            ),
        )
    return PrepressResult(out.getvalue(), notes)
