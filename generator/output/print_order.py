"""``print-order.csv``: what the print shop prints, on which paper, how many.

Only final posters carry quantities. When a build also made drafts, the order
says so on its first line and lists them apart at the end, without quantities:
a print shop reading the order from the top can never take a draft for a job.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..planning.formats import FORMAT_NAMES
from .files import write_atomically
from .manifest import Manifest, ManifestEntry
from .proofs import ORDER_SHEET, paper_format

ORDER_HEADER = ("file", "format", "paper size with bleed", "trim size", "quantity", "sides")

NOT_FOR_PRINT = "NOT FOR PRINT"
DRAFTS_HEADING = "DRAFTS: NOT FOR PRINT"


def write_order_sheet(folder: Path, manifest: Manifest) -> Path:
    """Write ``folder/print-order.csv`` from the manifest's posters.

    Per final poster: the paper size including the 3 mm bleed on each side (what
    the sheet is cut from), the trim size, the number of copies and whether it
    is printed on both sides. Totals follow per paper size (portrait and
    landscape use the same sheets, so "TOTAL A3" counts both), largest paper
    first, then a grand total. Drafts, if any, come after a blank row under
    their own heading, with an empty quantity. UTF-8 without a byte-order mark.
    """
    posters = [e for e in manifest.posters if not e.is_card]  # cards are posted, not printed
    finals = [e for e in posters if not e.draft]
    drafts = [e for e in posters if e.draft]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    if drafts:
        what = (
            f"{len(drafts)} DRAFT posters were built as well: their texts await review. "
            "They are listed at the end without quantities. Print only the posters above "
            "the totals."
            if finals
            else f"All {len(drafts)} posters are DRAFTS: their texts await review, so nothing "
            "here is for print yet. They are listed at the end without quantities."
        )
        writer.writerow((NOT_FOR_PRINT, what))
    writer.writerow(ORDER_HEADER)
    totals: dict[str, int] = {}
    for entry in finals:
        quantity = entry.quantity
        writer.writerow(_row(entry, quantity))
        name = paper_format(entry.format).name
        totals[name] = totals.get(name, 0) + quantity
    for name in FORMAT_NAMES:
        if name in totals:
            writer.writerow((f"TOTAL {name}", name, "", "", totals[name], ""))
    writer.writerow(("TOTAL", "", "", "", sum(totals.values()), ""))
    if drafts:
        writer.writerow(())
        writer.writerow((DRAFTS_HEADING,))
        writer.writerow(ORDER_HEADER)
        for entry in drafts:
            writer.writerow(_row(entry, ""))
    path = folder / ORDER_SHEET
    write_atomically(path, buffer.getvalue().encode("utf-8"))
    return path


def read_order_sheet(path: Path) -> tuple[list[dict], list[dict]]:
    """The final posters' rows and the drafts' rows of an order, as dicts by column
    (totals left out)."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    if rows and rows[0][:1] == [NOT_FOR_PRINT]:
        rows = rows[1:]
    heading = next((i for i, row in enumerate(rows) if row[:1] == [DRAFTS_HEADING]), len(rows))

    def posters(part: list[list[str]]) -> list[dict]:
        return [
            dict(zip(ORDER_HEADER, row, strict=True))
            for row in part[1:]
            if row and not row[0].startswith("TOTAL")
        ]

    return posters(rows[:heading]), posters(rows[heading + 1 :])


def _row(entry: ManifestEntry, quantity: int | str) -> tuple:
    paper = paper_format(entry.format)
    sides = 2 if entry.pages == 2 else 1
    return (
        entry.file,
        paper.label,
        size_label(paper.media_mm),
        size_label(paper.trim_mm),
        quantity,
        sides,
    )


def size_label(size: tuple[float, float]) -> str:
    return f"{size[0]:g} × {size[1]:g} mm"
