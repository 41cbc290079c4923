"""Print profiles: what kind of PDF a build makes, and the settings it resolves to.

- ``digital``: sRGB colours, bleed but no marks; for sharing, screens and office printers.
- ``press``: PDF/X-4 with a CMYK output intent from an ICC profile the campaign
  names, palette colours in CMYK, crop marks outside the bleed; what a print shop takes.
- ``press-x1a``: PDF/X-1a:2003 for older workflows: CMYK only, no transparency.

A press profile without a usable CMYK ICC profile is an error (``ProfileError``),
never a PDF that claims PDF/X and has no output intent. ICC files are never part
of the project: they are found at run time among the system's profiles (Debian's
``libgs-common`` installs ``default_cmyk.icc``) or named by path.

``resolve_print`` turns a campaign's ``print`` settings (and a command-line
override) into a ``PrintSetup``, which the prepress and preflight stages take and
which is small enough to send to worker processes.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import io
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .colours import Colour, palette

# Where Debian and users keep ICC profiles; searched in this order for a bare name.
ICC_FOLDERS = (
    Path("/usr/share/color/icc"),
    Path("/usr/local/share/color/icc"),
    Path.home() / ".local/share/icc",
    Path.home() / ".color/icc",
)
SAMPLE_ICC = "default_cmyk.icc"  # Debian package libgs-common; used by the sample campaign
SAMPLE_ICC_PACKAGE = "libgs-common"


class ProfileError(Exception):
    """The chosen print profile cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class PrintProfile:
    name: str
    summary: str
    cmyk: bool  # palette in CMYK, every colour converted to the output profile
    marks: bool  # crop marks outside the bleed, on a sheet large enough for them
    pdf_x: str | None = None  # the PDF/X version the file claims, e.g. 'PDF/X-4'
    pdf_version: str = "1.7"
    transparency: bool = True  # False: images' alpha flattened, live transparency an error

    @property
    def is_press(self) -> bool:
        """A file for a print shop (CMYK, PDF/X, marks), as opposed to one for screens."""
        return self.pdf_x is not None


PROFILES: dict[str, PrintProfile] = {
    profile.name: profile
    for profile in (
        PrintProfile("digital", "sRGB, no marks: for sharing and screens", cmyk=False, marks=False),
        PrintProfile(
            "press",
            "PDF/X-4, CMYK output intent, crop marks: for print shops",
            cmyk=True,
            marks=True,
            pdf_x="PDF/X-4",
            pdf_version="1.6",
        ),
        PrintProfile(
            "press-x1a",
            "PDF/X-1a:2003, CMYK only, no transparency: for older print workflows",
            cmyk=True,
            marks=True,
            pdf_x="PDF/X-1a:2003",
            pdf_version="1.4",
            transparency=False,
        ),
    )
}
PROFILE_NAMES = tuple(PROFILES)
DEFAULT_PROFILE = "digital"  # for a campaign that names none; the sample campaign asks for press


@dataclass(frozen=True)
class IccProfile:
    path: Path
    description: str
    sha256: str

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()


@cache
def read_icc(path: Path) -> IccProfile:
    """Open an ICC file and check that it describes a CMYK output device."""
    from PIL import ImageCms

    try:
        data = path.read_bytes()
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data)).profile
    except OSError as error:
        raise ProfileError(f"cannot read ICC profile {path}: {error.strerror or error}") from None
    except (ImageCms.PyCMSError, ValueError) as error:
        raise ProfileError(f"{path} is not an ICC profile: {error}") from None
    if profile.xcolor_space.strip() != "CMYK":
        raise ProfileError(
            f"ICC profile {path} is for {profile.xcolor_space.strip()} colour, not CMYK: "
            "a press output intent needs a CMYK printing profile"
        )
    description = (profile.profile_description or path.stem).strip()
    return IccProfile(path, description, hashlib.sha256(data).hexdigest())


def find_icc(name: str, project: Path) -> IccProfile:
    """An ICC profile by path (absolute, or relative to the project) or by file name
    among the system's profiles (``default_cmyk.icc``)."""
    given = Path(name).expanduser()
    if given.is_absolute() or len(given.parts) > 1:
        path = given if given.is_absolute() else project / given
        if not path.is_file():
            raise ProfileError(f"ICC profile not found: {path}")
        return read_icc(path.resolve())
    for folder in ICC_FOLDERS:
        if folder.is_dir():
            for path in sorted(folder.rglob(glob.escape(name))):
                if path.is_file():
                    return read_icc(path.resolve())
    hint = (
        f" (install the Debian package {SAMPLE_ICC_PACKAGE}: scripts/install-system-deps.sh)"
        if name == SAMPLE_ICC
        else ""
    )
    folders = ", ".join(str(f) for f in ICC_FOLDERS)
    raise ProfileError(f"ICC profile '{name}' not found in {folders}{hint}")


@dataclass(frozen=True)
class PrintSetup:
    """Everything a poster's colours, marks and metadata depend on, resolved once per build."""

    profile: PrintProfile
    colours: dict[str, Colour] = field(hash=False)
    icc: IccProfile | None = None
    date: dt.datetime | None = None  # creation date written into press files
    date_given: bool = False  # from the campaign or SOURCE_DATE_EPOCH, not today's

    def key(self) -> dict:
        """What of this setup goes into each poster's input hash."""
        return {
            "profile": self.profile.name,
            "icc": self.icc.sha256 if self.icc else None,
            "colours": {n: [list(c.cmyk), c.srgb] for n, c in sorted(self.colours.items())},
            "date": self.date.isoformat() if self.date and self.date_given else None,
        }


def build_date(given: dt.date | None) -> tuple[dt.datetime, bool]:
    """The date press files carry: the campaign's, else SOURCE_DATE_EPOCH, else today (UTC).

    Only the first two make builds on different days give the same bytes.
    """
    if given is not None:
        return dt.datetime(given.year, given.month, given.day, tzinfo=dt.UTC), True
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC), True
        except (ValueError, OverflowError, OSError):
            raise ProfileError(f"SOURCE_DATE_EPOCH is not a Unix time: {epoch!r}") from None
    today = dt.datetime.now(dt.UTC).date()
    return dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC), False


def resolve_print(campaign, project: Path, override: str | None = None) -> PrintSetup:
    """The print setup of a build: the override (``--profile``), else the campaign's
    ``print.profile``, else ``DEFAULT_PROFILE``. Raises ProfileError."""
    settings = campaign.print
    name = override or settings.profile or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ProfileError(
            f"unknown print profile '{name}' (expected one of: {', '.join(PROFILES)})"
        )
    profile = PROFILES[name]
    colours = palette(settings.palette)
    if not profile.is_press:
        return PrintSetup(profile, colours)
    if not settings.icc:
        raise ProfileError(
            f"print profile '{name}' needs a CMYK ICC profile for its output intent: "
            f"name one in the campaign's print.icc, e.g. '{SAMPLE_ICC}' "
            f"(Debian package {SAMPLE_ICC_PACKAGE})"
        )
    icc = find_icc(settings.icc, project)
    date, given = build_date(settings.date)
    return PrintSetup(profile, colours, icc, date, given)
