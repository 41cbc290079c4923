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
from contextlib import contextmanager
from pathlib import Path

import pikepdf
import pypdfium2
import pytest

PROJECT = Path(__file__).resolve().parents[1]


def _refuse_connections(patch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"a test tried to open a network connection: {args!r}")

    patch.setattr(socket.socket, "connect", refuse)
    patch.setattr(socket, "create_connection", refuse)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never open a network connection: any attempt fails the test loudly."""
    _refuse_connections(monkeypatch)


@contextmanager
def network_blocked():
    """The same for fixtures wider than one test (module-scoped builds)."""
    with pytest.MonkeyPatch.context() as patch:
        _refuse_connections(patch)
        yield


# --- no file outside the project is opened ------------------------------------------
#
# An audit hook sees every file Python opens (open(), os.open, io), in this process
# and in the worker processes it forks; not what C libraries open themselves (Pango
# and fontconfig read fonts and their configuration through libc). Allowed: the
# project, the temporary folders (tests' projects live there), the Python
# installation and virtual environment, the system's fonts and the tool's font
# configuration cache, the system's ICC colour profiles, and a few system files the
# standard library reads.
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
            "/usr/share/color",  # ICC profiles for press output (generator/prepress/profiles.py)
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


def make_project(root: Path) -> Path:
    """A throw-away project folder at ``root`` with the real templates and assets."""
    root.mkdir()
    shutil.copytree(PROJECT / "templates", root / "templates")
    shutil.copytree(PROJECT / "assets", root / "assets")
    (root / "campaigns").mkdir()
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throw-away project folder with the real templates and assets."""
    return make_project(tmp_path / "project")


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


# A one-poster tourist campaign (Lao + English, A3) with a QR code dialling 1191 and
# no illustration: the page holds no raster image, so a QR code decoded from it
# can only have been drawn as vector graphics (tests/test_qr.py, test_images.py).
SMALL_TOURIST_CAMPAIGN = textwrap.dedent(
    """\
    id: qr-test
    title: {en: QR test}
    messages:
      headline: {lo: ເດັກນ້ອຍ ບໍ່ແມ່ນສິ່ງດຶງດູດນັກທ່ອງທ່ຽວ, en: Children are not tourist attractions}
      no-giving: {lo: ຢ່າໃຫ້ເງິນແກ່ເດັກທີ່ຂໍທານ, en: Do not give money to begging children}
      report: {lo: ແຈ້ງເຫດ ໂທຫາ, en: "Report it: call"}
      scan: {lo: ສະແກນ ເພື່ອໂທຫາຕຳຫຼວດ, en: Scan to call the police}
    contacts:
      - id: la-1191
        number: "1191"
        country: LA
        name: {lo: ຕຳຫຼວດ, en: Police emergency}
        source: Laotian Times; Xinhua
        source_date: "2019"
      - id: la-tourist-police
        number: "021 251 128"
        country: LA
        name: {lo: ຕຳຫຼວດທ່ອງທ່ຽວ, en: Tourist Police}
        source: US Embassy Laos page
    designs:
      - id: tourist-poster
        template: tourist-poster
        headline: headline
        messages:
          - {text: no-giving, icon: assets/pictograms/no-begging-gift.svg}
        call_to_action: report
        qr: {contact: la-1191, caption: scan}
        contacts: [la-1191]
    placements:
      - id: test-town
        name: {lo: ເມືອງທົດລອງ, en: Test town}
        design: tourist-poster
        languages: [lo, en]
        formats:
          - {size: A3, quantity: 1}
    """
)


# A second placement for the small campaign that cannot be drawn: Georgian is in
# no font declared for Lao.
BAD_PLACEMENT = """\
  - id: bad-crossing
    name: {lo: ດ່ານ ა, en: Bad crossing}
    design: border-sign
    languages: [lo, en]
    formats:
      - {size: A4, quantity: 1}
"""


@pytest.fixture
def small_campaign(project: Path) -> Path:
    """A valid one-poster campaign (Lao + English, A4) inside ``project``."""
    path = project / "campaigns" / "small.yaml"
    path.write_text(SMALL_CAMPAIGN, encoding="utf-8")
    return path


# --- helpers shared by the build, fit and CLI tests ---------------------------

ZWSP = "\u200b"

TOLERANCE_PT = 0.5


def poster_pdfs(folder: Path) -> list[str]:
    """The poster PDFs in a campaign's output folder (not the proof sheet beside them)."""
    return sorted(p.name for p in folder.glob("*.pdf") if p.name != "proof.pdf")


def squeeze(text: str) -> str:
    """Text without whitespace and zero-width spaces, for comparing text layers."""
    return re.sub(r"\s+", "", text.replace(ZWSP, ""))


def font_descriptors(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return [
        obj
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor"
    ]


def font_families(pdf: Path) -> set[str]:
    """The embedded fonts' families: subset prefix and style suffix removed."""
    with pikepdf.open(pdf) as document:
        names = [str(d.get("/FontName")).lstrip("/") for d in font_descriptors(document)]
    return {re.sub(r"-(Bold|Italic|BoldItalic)$", "", n.split("+", 1)[-1]) for n in names}


def chars_outside_trim(pdf: Path, page_index: int = 0) -> tuple[int, int]:
    """(characters with a box, of those how many lie outside the trim box), on one page.

    Read with pypdfium2 independently of generator.preflight, which checks the same.
    """
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[page_index]
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


# --- translation review, as a reviewer would do it in a PO editor ---------------------


def review_po(po: bytes, reviewer: str, date: str, only: set[str] | None = None) -> bytes:
    """A PO file as a reviewer returns it: fuzzy flags cleared and a ``reviewed-by`` line
    on every entry (or on those whose msgctxt is in ``only``). Read and written with Babel,
    like any PO editor."""
    import io

    from babel.messages.pofile import read_po, write_po

    catalog = read_po(io.BytesIO(po))
    for message in catalog:
        if message.id and (only is None or message.context in only):
            message.flags.discard("fuzzy")
            message.user_comments = [f"reviewed-by: {reviewer} {date}"]
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=False, include_previous=False)
    return buffer.getvalue()


def review_campaign(path: Path, project: Path, reviewer: str = "Test Reviewer") -> None:
    """Mark every text of the campaign file reviewed, through export and import."""
    from generator.campaign import load_campaign
    from generator.campaign.strings import export_strings, import_strings

    loaded = load_campaign(path, project)
    languages = {lang for p in loaded.campaign.placements for lang in p.languages}
    for lang in sorted(languages - {loaded.campaign.source_language}):
        po = path.with_suffix(f".{lang}.po")
        po.write_bytes(review_po(export_strings(loaded, lang).po, reviewer, "2026-11-20"))
        import_strings(loaded, po, project)
        loaded = load_campaign(path, project)


# --- the tourist sample campaign, built once for the tests that read its PDFs ---

TOURIST_SAMPLE = PROJECT / "campaigns" / "laos-tourist-child-protection.yaml"
# One A3 poster in each language pair (Luang Prabang has all four), and the
# Vientiane flyers in both sizes (two sides; four numbers, one of them long).
TOURIST_SUBSET = ("luang-prabang-*_tourist-poster_A3_*", "vientiane-en_flyer_*")


@pytest.fixture(scope="session")
def tourist_build(tmp_path_factory):
    """(project, CampaignResult) of the tourist sample's subset, built once per session."""
    from generator.build.campaign import build_campaign
    from generator.campaign import load_campaign

    base = tmp_path_factory.mktemp("tourist")
    root = make_project(base / "project")
    path = root / "campaigns" / TOURIST_SAMPLE.name
    shutil.copyfile(TOURIST_SAMPLE, path)
    with network_blocked():
        loaded = load_campaign(path, root)
        result = build_campaign(loaded, root, base / "out", only=TOURIST_SUBSET, jobs=2)
    return root, result
