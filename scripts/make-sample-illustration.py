#!/usr/bin/env python3
"""Draw the sample illustration assets/illustrations/mekong-evening.png with Pillow.

A flat-colour landscape (karst hills over the Mekong at dusk, a stupa, a
long-tail boat): no people, nothing that could pass for a photograph. Flat
colours in a small palette keep the PNG small though it has the pixels for
300 ppi across an A2 poster's full width with bleed (426 mm → 5032 px).

    .venv/bin/python scripts/make-sample-illustration.py
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 5040, 1530
OUT = Path(__file__).resolve().parents[1] / "assets" / "illustrations" / "mekong-evening.png"

SKY = ["#1d2b4f", "#2f3f6b", "#5a4f7a", "#a05a6e", "#d9785a", "#f2a04e"]
SUN = "#ffd54a"
HILLS = ["#7a4a68", "#55395e", "#3a2c52", "#241d3d"]
RIVER = "#2a3558"
SHINE = "#f2b84e"
DARK = "#141a30"


def ridge(rng: random.Random, base: float, height: float, peaks: int) -> list[tuple[int, int]]:
    """A skyline of rounded karst peaks: a sum of bell curves over a gentle wave."""
    centres = [(rng.uniform(-0.05, 1.05), rng.uniform(0.4, 1.0), rng.uniform(0.025, 0.06))
               for _ in range(peaks)]
    points = []
    for x in range(0, WIDTH + 1, 6):
        t = x / WIDTH
        y = 0.12 * math.sin(t * 9 + rng.random() * 0.01)
        for centre, size, spread in centres:
            y = max(y, size * math.exp(-(((t - centre) / spread) ** 2) / 2))
        points.append((x, round(base - y * height)))
    return [(0, HEIGHT), *points, (WIDTH, HEIGHT)]


def main() -> None:
    rng = random.Random(1975)
    image = Image.new("RGB", (WIDTH, HEIGHT), SKY[0])
    draw = ImageDraw.Draw(image)
    horizon = int(HEIGHT * 0.72)
    band = horizon / len(SKY)
    for i, colour in enumerate(SKY):
        draw.rectangle((0, int(i * band), WIDTH, int((i + 1) * band) + 1), fill=colour)
    sun_x, sun_y, sun_r = int(WIDTH * 0.68), int(horizon * 0.52), int(HEIGHT * 0.14)
    draw.ellipse((sun_x - sun_r, sun_y - sun_r, sun_x + sun_r, sun_y + sun_r), fill=SUN)

    for i, colour in enumerate(HILLS):
        base = horizon + i * HEIGHT * 0.02
        draw.polygon(ridge(rng, base, HEIGHT * (0.34 - i * 0.06), 9 + 3 * i), fill=colour)

    # A stupa on the nearest hill, on the left.
    sx, sy = int(WIDTH * 0.2), int(horizon - HEIGHT * 0.055)
    draw.rectangle((sx - 70, sy - 40, sx + 70, sy + 60), fill=DARK)
    draw.polygon([(sx - 50, sy - 40), (sx, sy - 260), (sx + 50, sy - 40)], fill=DARK)
    draw.ellipse((sx - 45, sy - 110, sx + 45, sy - 30), fill=DARK)

    # The river, with the sun's light on it in broken lines.
    draw.rectangle((0, horizon + int(HEIGHT * 0.06), WIDTH, HEIGHT), fill=RIVER)
    for row in range(9):
        y = horizon + int(HEIGHT * 0.09) + row * 34
        half = int(sun_r * (1.1 - row * 0.09))
        x = sun_x - half
        while x < sun_x + half:
            length = rng.randint(60, 220)
            draw.rectangle((x, y, min(x + length, sun_x + half), y + 9), fill=SHINE)
            x += length + rng.randint(40, 120)

    # A long-tail boat.
    bx, by = int(WIDTH * 0.38), int(HEIGHT * 0.9)
    draw.polygon([(bx - 420, by - 30), (bx + 380, by - 30), (bx + 460, by - 70),
                  (bx + 330, by + 12), (bx - 380, by + 12)], fill=DARK)
    draw.rectangle((bx - 160, by - 110, bx + 120, by - 30), fill=DARK)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    palette = image.quantize(colors=len(SKY) + len(HILLS) + 5, dither=Image.Dither.NONE)
    palette.save(OUT, optimize=True, dpi=(300, 300))
    print(f"{OUT}: {WIDTH}×{HEIGHT} px, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
