"""Shared fixtures. Every test runs with network connections blocked, and with
files outside the project, the temporary folders and the Python installation
out of reach (see ``READABLE``)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import sysconfig
import tempfile
import textwrap
from pathlib import Path

import pypdfium2
import pytest

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never open a network connection: any attempt fails the test loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a test tried to open a network connection: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# --- no file outside the project is opened ------------------------------------------
#
# An audit hook sees every file Python opens (open(), os.open, io), in this process
# and in the worker processes it forks; not what C libraries open themselves (Pango
# and fontconfig read fonts and their configuration through libc). Allowed: the
# project, the temporary folders (tests' projects live there), the Python
# installation and virtual environment, the system's fonts and the tool's font
# configuration cache, and a few system files the standard library reads.
# Anything else is refused (PermissionError) and fails the test that did it.


def _real(path: str | Path) -> str:
    return os.path.realpath(path)


_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "poster-generator"
READABLE = sorted(
    {
        _real(path)
        for path in (
            PROJECT,
            tempfile.gettempdir(),
            _CACHE,
            sys.prefix,
            sys.base_prefix,
            sys.exec_prefix,
            *sysconfig.get_paths().values(),
            "/usr/share/fonts",
            "/usr/local/share/fonts",
            "/usr/share/zoneinfo",
        )
    }
)
READABLE_FILES = {"/dev/null", "/dev/urandom", "/etc/localtime", "/etc/mime.types"}
_guard = {"active": False, "busy": False, "refused": []}


def _readable(path: str) -> bool:
    if path in READABLE_FILES or path.startswith("/proc/self/"):
        return True
    real = _real(path)
    return real in READABLE_FILES or any(
        real == root or real.startswith(root + os.sep) for root in READABLE
    )


def _audit(event: str, args: tuple) -> None:
    if event != "open" or not _guard["active"] or _guard["busy"]:
        return
    path = args[0]
    if not isinstance(path, str | bytes | os.PathLike):
        return  # a file descriptor
    _guard["busy"] = True  # realpath must not come back here
    try:
        path = os.path.abspath(os.fsdecode(path))
        if not _readable(path):
            _guard["refused"].append(path)
            raise PermissionError(f"a test opened a file outside the project: {path}")
    finally:
        _guard["busy"] = False


sys.addaudithook(_audit)  # cannot be removed again: the fixture below switches it


@pytest.fixture(autouse=True, scope="session")
def _files_guarded():
    _guard["active"] = True
    yield
    _guard["active"] = False


@pytest.fixture(autouse=True)
def no_files_outside_the_project(_files_guarded):
    """Fails a test (or a module fixture before it) that opened a file outside."""
    yield
    refused, _guard["refused"] = _guard["refused"], []
    assert not refused, f"files outside the project were opened: {refused}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throw-away project folder with the real templates and assets."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(PROJECT / "templates", root / "templates")
    shutil.copytree(PROJECT / "assets", root / "assets")
    (root / "campaigns").mkdir()
    return root


SMALL_CAMPAIGN = textwrap.dedent(
    """\
    id: small-test
    title: {en: Small test campaign}
    organisations:
      - id: mlsw
        name: {en: Ministry of Labour and Social Welfare, lo: ກະຊວງແຮງງານ}
        logo: assets/logos/mlsw.svg
    messages:
      headline: {lo: ໄປເຮັດວຽກຕ່າງປະເທດ ໄປຢ່າງປອດໄພ, en: Working abroad? Stay safe, th: ไปทำงานต่างประเทศ ไปอย่างปลอดภัย}
      keep-documents: {lo: ເກັບໜັງສືຜ່ານແດນໄວ້ກັບຕົວເອງ, en: Keep your passport with you, th: เก็บหนังสือเดินทางไว้กับตัว}
      contract: {lo: ເຮັດສັນຍາເປັນລາຍລັກອັກສອນ, en: Get a written contract, th: ทำสัญญาเป็นลายลักษณ์อักษร}
      employer: {lo: ຮູ້ຈັກນາຍຈ້າງຂອງທ່ານ, en: Know your employer, th: รู้จักนายจ้างของคุณ}
      call: {lo: ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ, en: Need help? Call, th: ต้องการความช่วยเหลือ โทร}
    contacts:
      - id: la-1554
        number: "1554"
        country: LA
        name: {lo: ສາຍດ່ວນຊາວໜຸ່ມ, en: Youth helpline, th: สายด่วนเยาวชนลาว}
        source: UNICEF Laos
        source_date: "2022-06"
        verified: 2026-11-23
    designs:
      - id: border-sign
        template: border-sign
        headline: headline
        messages:
          - {text: employer, icon: assets/pictograms/employer.svg}
          - {text: contract, icon: assets/pictograms/contract.svg}
          - {text: keep-documents, icon: assets/pictograms/passport.svg}
        call_to_action: call
        pictogram: assets/pictograms/border-crossing.svg
        contacts: [la-1554]
        organisations: [mlsw]
    placements:
      - id: test-crossing
        name: {lo: ດ່ານທົດລອງ, en: Test crossing, th: ด่านทดสอบ}
        design: border-sign
        languages: [lo, en]
        formats:
          - {size: A4, quantity: 3}
    """
)


@pytest.fixture
def small_campaign(project: Path) -> Path:
    """A valid one-poster campaign (Lao + English, A4) inside ``project``."""
    path = project / "campaigns" / "small.yaml"
    path.write_text(SMALL_CAMPAIGN, encoding="utf-8")
    return path


# --- helpers shared by the build, fit and CLI tests ---------------------------

ZWSP = "\u200b"
PT_PER_MM = 72 / 25.4
TOLERANCE_PT = 0.5


def poster_pdfs(folder: Path) -> list[str]:
    """The poster PDFs in a campaign's output folder (not the proof sheet beside them)."""
    return sorted(p.name for p in folder.glob("*.pdf") if p.name != "proof.pdf")


def squeeze(text: str) -> str:
    """Text without whitespace and zero-width spaces, for comparing text layers."""
    return re.sub(r"\s+", "", text.replace(ZWSP, ""))


def chars_outside_trim(pdf: Path) -> tuple[int, int]:
    """(characters with a box, of those how many lie outside the trim box).

    Read with pypdfium2 independently of generator.preflight, which checks the same.
    """
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        left, bottom, right, top = page.get_trimbox()
        textpage = page.get_textpage()
        boxed = outside = 0
        for index in range(textpage.count_chars()):
            x0, y0, x1, y1 = textpage.get_charbox(index)
            if x1 <= x0:
                continue
            boxed += 1
            if (
                x0 < left - TOLERANCE_PT
                or y0 < bottom - TOLERANCE_PT
                or x1 > right + TOLERANCE_PT
                or y1 > top + TOLERANCE_PT
            ):
                outside += 1
        return boxed, outside
    finally:
        document.close()
