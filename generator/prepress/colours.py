"""The campaign's colours: each given once, in CMYK for press and in sRGB for screens.

Templates never name a colour: they use the CSS custom properties the base
template declares from the palette (``var(--colour-ink)``). A press build
declares them as ``device-cmyk()`` with the palette's CMYK values, so the
printer gets exactly those inks; a digital build declares the sRGB values.

Colours that reach a press PDF without a palette entry (inside SVG pictograms,
say) are converted by the prepress stage through the output ICC profile; an
sRGB value equal to a palette colour's takes that colour's CMYK values instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Colour:
    """One palette colour: CMYK in percent (what the printer gets) and its sRGB equivalent."""

    name: str
    cmyk: tuple[float, float, float, float]
    srgb: str  # '#rrggbb'

    @property
    def rgb(self) -> tuple[int, int, int]:
        """The sRGB value as three bytes."""
        return tuple(int(self.srgb[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]

    @property
    def ink_coverage(self) -> float:
        """Total area coverage in percent: presses limit it (about 300% on coated paper)."""
        return sum(self.cmyk)

    def css(self, cmyk: bool) -> str:
        if cmyk:
            return "device-cmyk({})".format(" ".join(f"{v / 100:g}" for v in self.cmyk))
        return self.srgb.lower()


# Chosen so that, through a typical coated-paper CMYK profile, each prints close to
# its sRGB value with at most 270% ink; the sRGB values are those the designs were
# drawn with. Names are shared by every template: keep them.
DEFAULT_PALETTE: dict[str, Colour] = {
    colour.name: colour
    for colour in (
        Colour("warning", (10, 100, 100, 40), "#8e1b1b"),  # headline band, subheadline
        Colour("ink", (100, 80, 30, 50), "#1d2b4f"),  # body text, hotline band
        Colour("highlight", (0, 18, 80, 0), "#ffd54a"),  # numbers and call to action
        Colour("muted", (60, 45, 25, 30), "#5a6478"),  # small print
        Colour("paper", (0, 0, 0, 0), "#ffffff"),  # white: no ink
        Colour("accent", (5, 40, 100, 5), "#e0a100"),  # the pictograms' amber
    )
}


def palette(overrides: Mapping[str, object] | None = None) -> dict[str, Colour]:
    """The default palette with a campaign's colours replacing or adding to it.

    ``overrides`` maps a name to anything with ``cmyk`` and ``srgb`` attributes
    (the campaign schema's ``PaletteColour``).
    """
    colours = dict(DEFAULT_PALETTE)
    for name, given in (overrides or {}).items():
        cmyk = tuple(float(v) for v in given.cmyk)  # type: ignore[attr-defined]
        colours[name] = Colour(name, cmyk, given.srgb.lower())  # type: ignore[attr-defined,arg-type]
    return colours


def palette_css(colours: Mapping[str, Colour], cmyk: bool) -> str:
    """CSS custom property declarations, ``--colour-<name>: value;``, one per colour.

    Built from validated names and numbers only (never free text), so safe to
    put inside a ``<style>`` element.
    """
    return " ".join(f"--colour-{c.name}: {c.css(cmyk)};" for c in colours.values())


# --- contrast (WCAG 2 definitions) ------------------------------------------------------


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    """From 1 (same luminance) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
