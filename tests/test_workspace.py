"""The browser workspace through its HTTP API (Starlette's test client): every page and
action, the CLI's rules and located messages, conflicts, security, bad input.

The browser itself is tested in tests/test_workspace_browser.py.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import logging
import re
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from starlette.testclient import TestClient
from test_hostile import CORPUS, GENERATORS, SVG, read_case

from conftest import SMALL_CAMPAIGN, review_campaign
from generator.campaign import load_campaign
from generator.campaign.strings import export_strings, import_strings
from generator.workspace.app import create_app
from generator.workspace.edits import change_text
from generator.workspace.security import Settings
from generator.workspace.state import Workspace

BASE = "http://127.0.0.1:8000"
POSTER = "test-crossing_border-sign_A4_lo-en"
THAI_POSTER = "thai-crossing_border-sign_A5_lo-th"

# The small campaign with a comment to keep, and a second placement in Lao and Thai.
WORKSPACE_CAMPAIGN = (
    SMALL_CAMPAIGN.replace(
        "\nmessages:\n", "\n# Texts approved by the provincial office.\nmessages:\n", 1
    )
    + """\
  - id: thai-crossing
    name: {lo: ດ່ານໄທ, en: Thai crossing, th: ด่านไทย}
    design: border-sign
    languages: [lo, th]
    formats:
      - {size: A5, quantity: 2}
"""
)


@pytest.fixture
def campaign_file(project: Path) -> Path:
    path = project / "campaigns" / "small.yaml"
    path.write_text(WORKSPACE_CAMPAIGN, encoding="utf-8")
    return path


class Client:
    """A browser's view of the workspace: pages, and forms sent with the page's tokens."""

    def __init__(self, app, ws: Workspace, settings: Settings):
        self.http = TestClient(app, base_url=BASE, raise_server_exceptions=False)
        self.ws, self.settings = ws, settings

    def get(self, url: str, **kwargs):
        return self.http.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        headers = {"X-CSRF-Token": self.settings.csrf, **kwargs.pop("headers", {})}
        return self.http.post(url, data=data, headers=headers, **kwargs)

    def review(self, text_id: str, lang: str, decision: str, reviewer: str, comment: str = ""):
        """Approve or send back a text from the review page, as a reviewer does."""
        sha = self.sha(f"/c/small/review?language={lang}")
        return self.post(
            f"/c/small/texts/{text_id}/{lang}/review",
            {"decision": decision, "reviewer": reviewer, "comment": comment, "sha": sha},
        )

    def sha(self, url: str) -> str:
        """The file hash a page was made with (its forms send it back)."""
        page = self.get(url)
        assert page.status_code == 200, page.text
        return re.search(r'name="sha" value="([0-9a-f]{64})"', page.text).group(1)


@pytest.fixture
def workspace(project: Path, campaign_file: Path) -> Workspace:
    return Workspace(project)


@pytest.fixture
def client(workspace: Workspace) -> Client:
    settings = Settings()
    return Client(create_app(workspace, settings), workspace, settings)


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


# --- pages ------------------------------------------------------------------------------


def test_every_page_answers(client: Client):
    assert client.get("/", follow_redirects=False).headers["location"] == "/c/small"
    pages = [
        "/c/small",
        "/c/small/texts",
        "/c/small/texts?language=th",
        "/c/small/review?language=th&reviewer=Noy",
        "/c/small/contacts",
        "/c/small/source",
        f"/c/small/p/{POSTER}",
        f"/c/small/p/{POSTER}/frame",
        f"/c/small/p/{THAI_POSTER}/frame?mode=review&highlight=th",
        "/c/small/texts/headline/lo",
        "/c/small/build",
        "/changes",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:500])
    for url in (f"/c/small/p/{POSTER}/page/1.png", f"/c/small/p/{POSTER}/thumbnail.png"):
        response = client.get(url)
        assert response.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(response.content)).size[0] > 100


def test_overview_shows_each_poster_with_its_facts_and_filters(client: Client):
    page = client.get("/c/small").text
    for fact in (POSTER, THAI_POSTER, "border-sign", "A4", "A5", "lo + th", "3 prints", "draft"):
        assert fact in page
    assert "texts await review" in page
    only_thai = client.get("/c/small?language=th").text
    assert THAI_POSTER in only_thai and f'data-poster="{POSTER}"' not in only_thai
    by_status = client.get("/c/small?status=final").text
    assert "No poster matches" in by_status


def test_the_preview_is_the_built_poster_with_the_texts_where_the_layout_put_them(
    client: Client,
):
    frame = client.get(f"/c/small/p/{POSTER}/frame").text
    boxes = re.findall(
        r'style="left:([\d.]+)%;top:([\d.]+)%;width:([\d.]+)%;height:([\d.]+)%" '
        r'data-text-id="([^"]+)" data-lang="([^"]+)"',
        frame,
    )
    found = {(text_id, lang) for *_, text_id, lang in boxes}
    assert {("headline", "lo"), ("headline", "en"), ("call", "lo"), ("employer", "en")} <= found
    assert ("placement.test-crossing.name", "lo") in found
    assert ("contact.la-1554.name", "en") in found
    for left, top, width, height, *_ in boxes:
        assert float(left) >= 0 and float(left) + float(width) <= 100.5
        assert float(top) >= 0 and float(top) + float(height) <= 100.5
    # The Lao headline is above the English one, at the top of the poster.
    tops = {(t, lang): float(top) for _, top, _, _, t, lang in boxes}
    assert tops[("headline", "lo")] < tops[("headline", "en")] < 40
    assert 'data-draft="true"' in frame


def test_a_campaign_file_that_does_not_load_shows_its_problems(client: Client, campaign_file: Path):
    broken = WORKSPACE_CAMPAIGN.replace(
        "design: border-sign\n    languages: [lo, th]", "design: sing\n    languages: [lo, th]"
    )
    campaign_file.write_text(broken, encoding="utf-8")
    page = client.get("/c/small")
    assert page.status_code == 200
    located = r"small\.yaml:\d+:\d+: placements\[1\]\.design: unknown design 'sing'"
    assert re.search(located, page.text.replace("&#39;", "'")), page.text
    refused = client.get("/c/small/texts")
    assert refused.status_code == 409 and "does not load" in refused.text
    # Fixed in the file editor, the campaign is back.
    sha = client.sha("/c/small/source")
    assert client.post("/c/small/source", {"text": WORKSPACE_CAMPAIGN, "sha": sha}).is_success
    assert client.get("/c/small/texts").status_code == 200


def test_campaign_text_is_escaped_on_every_page(project: Path, campaign_file: Path):
    text = campaign_file.read_text(encoding="utf-8").replace(
        "en: Know your employer", "en: \"<script>alert('x')</script> employer\""
    )
    campaign_file.write_text(text, encoding="utf-8")
    ws = Workspace(project)
    client = Client(create_app(ws, Settings()), ws, Settings())
    for url in ("/c/small/texts", f"/c/small/p/{POSTER}", "/c/small/texts/employer/en"):
        page = client.get(url).text
        assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in client.get("/c/small/texts").text


# --- editing texts ------------------------------------------------------------------


def test_a_lao_edit_changes_only_that_value_and_the_preview(client: Client, campaign_file: Path):
    before = campaign_file.read_text(encoding="utf-8")
    old_frame = client.get(f"/c/small/p/{POSTER}/frame").text
    sha = client.sha("/c/small/texts/call/lo")
    response = client.post("/c/small/texts/call/lo", {"value": "ໂທຫາພວກເຮົາ", "sha": sha})
    assert response.status_code == 200, response.text
    assert "call (lo): text changed; draft → translated" in response.text
    assert "campaignSaved" in response.headers["HX-Trigger"]
    after = campaign_file.read_text(encoding="utf-8")
    lines = changed_lines(before, after)
    assert lines[:2] == [
        "-  call: {lo: ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ, en: Need help? Call, th: ต้องการความช่วยเหลือ โทร}",
        "+  call: {lo: ໂທຫາພວກເຮົາ, en: Need help? Call, th: ต้องการความช่วยเหลือ โทร}",
    ]
    # The rest is the new status, added at the end, as `poster strings import` adds it.
    assert all(line.startswith("+") for line in lines[2:])
    assert lines[-3:] == ["+translations:", "+  lo:", "+    call: {status: translated}"]
    assert "# Texts approved by the provincial office." in after
    new_frame = client.get(f"/c/small/p/{POSTER}/frame").text
    key = re.compile(r'data-key="(\w+)"')
    assert key.search(old_frame).group(1) != key.search(new_frame).group(1)


def test_an_edited_translation_is_recorded_as_strings_import_records_it(
    client: Client, campaign_file: Path, project: Path
):
    sha = client.sha("/c/small/texts/employer/th")
    response = client.post("/c/small/texts/employer/th", {"value": "รู้จักนายจ้าง", "sha": sha})
    assert response.status_code == 200, response.text
    assert "draft → translated" in response.text
    loaded = load_campaign(campaign_file, project)
    assert loaded.campaign.messages["employer"]["th"] == "รู้จักนายจ้าง"
    assert loaded.campaign.translations["th"]["employer"].status == "translated"
    translated = client.get("/c/small/texts?language=th&status=translated").text
    assert re.findall(r'<th class="text-id">([^<]+)<', translated) == ["employer"]
    assert "No text is stale" in client.get("/c/small/texts?status=stale").text


def test_a_changed_source_makes_reviewed_translations_stale(
    client: Client, campaign_file: Path, project: Path
):
    review_campaign(campaign_file, project)
    client.ws.refresh()
    sha = client.sha("/c/small/texts/employer/en")  # English is the source language
    saved = client.post("/c/small/texts/employer/en", {"value": "Know who employs you", "sha": sha})
    assert saved.status_code == 200 and "employer (en): source text changed" in saved.text
    for lang in ("lo", "th"):
        cell = client.get(f"/c/small/texts/employer/{lang}").text
        assert "s-stale" in cell and "the en source changed" in cell


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("lo", "Know your employer well", "is mostly Latin letters; Lao is written in Lao"),
        ("th", "รู้จักนายจ้าง " * 10, "characters; the budget for a message is 90"),
        ("th", "โทร {number:la-1300}", "placeholder {number:la-1300} names no contact"),
        ("th", "   ", "is empty"),
        ("th", "รู้จัก\u202enายจ้าง", "bidirectional control U+202E"),
        ("th", "รู้จัก\x00นายจ้าง", "control character U+0000"),
    ],
)
def test_a_bad_edit_gets_the_located_message_and_writes_nothing(
    client: Client, campaign_file: Path, lang: str, value: str, expected: str
):
    before = campaign_file.read_bytes()
    sha = client.sha(f"/c/small/texts/employer/{lang}")
    response = client.post(f"/c/small/texts/employer/{lang}", {"value": value, "sha": sha})
    assert response.status_code == 422, response.text
    assert campaign_file.read_bytes() == before
    located = re.findall(r'class="error located"[^>]*>([^<]*)<', response.text)
    assert located, response.text
    assert any(
        re.search(rf"small\.yaml:\d+:\d+: messages\.employer(\.{lang})?: ", line)
        for line in located
    ), located
    assert any(expected in line.replace("&#39;", "'") for line in located), located
    assert "Traceback" not in response.text


def test_the_live_check_as_one_types(client: Client):
    sha = client.sha("/c/small/texts/headline/th")
    ok = client.post("/c/small/texts/headline/th/check", {"value": "ไปทำงาน", "sha": sha}).text
    assert "6 of 60 characters" in ok and "Thai ✓" in ok
    bad = client.post("/c/small/texts/headline/th/check", {"value": "Go abroad", "sha": sha}).text
    assert "is mostly Latin letters" in bad


def test_two_browsers_editing_the_same_text_the_second_is_refused(
    client: Client, campaign_file: Path
):
    first_sha = client.sha("/c/small/texts/headline/en")
    second_sha = client.sha("/c/small/texts/headline/en")
    first = client.post(
        "/c/small/texts/headline/en", {"value": "Work abroad safely", "sha": first_sha}
    )
    assert first.status_code == 200
    saved = campaign_file.read_bytes()
    second = client.post(
        "/c/small/texts/headline/en", {"value": "Stay safe abroad", "sha": second_sha}
    )
    assert second.status_code == 409
    assert "changed since this page was loaded" in second.text and "Reload" in second.text
    assert campaign_file.read_bytes() == saved


def test_two_people_on_different_texts_do_not_stop_each_other(
    client: Client, campaign_file: Path, project: Path
):
    officer = client.get("/c/small/texts/headline/en").text
    reviewer = client.get("/c/small/texts/call/th").text

    def form(page: str) -> dict:
        return dict(re.findall(r'name="(sha|base)" value="(\w+)"', page))

    saved = client.post("/c/small/texts/headline/en", {"value": "Going abroad? Stay safe",
                                                       **form(officer)})  # fmt: skip
    assert saved.status_code == 200
    # The reviewer's page is older than the file now, but the Thai call is as it showed it.
    edited = client.post("/c/small/texts/call/th", {"value": "ต้องการความช่วยเหลือ โทรหา",
                                                   **form(reviewer)})  # fmt: skip
    assert edited.status_code == 200, edited.text
    campaign = load_campaign(campaign_file, project).campaign
    assert campaign.messages["headline"]["en"] == "Going abroad? Stay safe"
    assert campaign.messages["call"]["th"] == "ต้องการความช่วยเหลือ โทรหา"
    # The same text changed meanwhile: refused, and saving again from that form still is.
    again = client.post("/c/small/texts/headline/en", {"value": "Abroad? Stay safe",
                                                      **form(officer)})  # fmt: skip
    assert again.status_code == 409
    assert client.post("/c/small/texts/headline/en", {"value": "Abroad? Stay safe",
                                                     **form(again.text)}).status_code == 409  # fmt: skip


def test_a_file_changed_on_disk_since_the_page_loaded_is_not_overwritten(
    client: Client, campaign_file: Path
):
    sha = client.sha("/c/small/texts/headline/en")
    edited = campaign_file.read_text(encoding="utf-8").replace("Stay safe", "Be safe")
    campaign_file.write_text(edited, encoding="utf-8")  # an editor, a git pull
    response = client.post("/c/small/texts/headline/en", {"value": "Go safely", "sha": sha})
    assert response.status_code == 409
    assert campaign_file.read_text(encoding="utf-8") == edited


# --- review ---------------------------------------------------------------------------


def test_approving_is_recorded_exactly_as_strings_import_records_a_review(
    client: Client, campaign_file: Path, project: Path, tmp_path: Path
):
    today = dt.date.today().isoformat()
    response = client.review("headline", "th", "approve", "Noy Phommachanh")
    assert response.status_code == 200, response.text
    by_workspace = campaign_file.read_text(encoding="utf-8")
    record = re.search(r"^    headline: \{.*\}$", by_workspace, re.M).group(0)

    # The same review through a PO file, in a copy of the file as it was.
    copy = project / "campaigns" / "copy.yaml"
    copy.write_text(WORKSPACE_CAMPAIGN, encoding="utf-8")
    loaded = load_campaign(copy, project)
    po = tmp_path / "th.po"
    text = export_strings(loaded, "th").po.decode()
    entry = text.index('msgctxt "headline"')
    start = text.rfind("\n\n", 0, entry)
    text = (
        text[:start]
        + f"\n\n# reviewed-by: Noy Phommachanh {today}"
        + text[start:].replace("#, fuzzy\n", "", 1)
    )
    po.write_text(text, encoding="utf-8")
    import_strings(loaded, po, project)
    assert record in copy.read_text(encoding="utf-8")
    assert f"status: reviewed, reviewer: Noy Phommachanh, reviewed: {today}" in record


def test_sending_back_records_a_draft_with_the_reviewers_comment(
    client: Client, campaign_file: Path, project: Path
):
    review_campaign(campaign_file, project)
    client.ws.refresh()
    response = client.review("call", "th", "send-back", "Noy", "too formal")
    assert response.status_code == 200, response.text
    text = campaign_file.read_text(encoding="utf-8")
    today = dt.date.today()
    assert re.search(
        rf"^    call: \{{status: draft\}} +# sent back by Noy on {today}: too formal$", text, re.M
    ), text
    loaded = load_campaign(campaign_file, project)
    assert loaded.campaign.translations["th"]["call"].status == "draft"


def test_a_decision_shows_on_every_poster_of_the_review_page(project: Path, campaign_file: Path):
    second = WORKSPACE_CAMPAIGN
    second += """\
  - id: second-thai
    name: {lo: ດ່ານສອງ, en: Second crossing, th: ด่านที่สอง}
    design: border-sign
    languages: [lo, th]
    formats:
      - {size: A4, quantity: 1}
"""
    campaign_file.write_text(second, encoding="utf-8")
    ws = Workspace(project)
    settings = Settings()
    client = Client(create_app(ws, settings), ws, settings)
    page = client.get("/c/small/review?language=th").text
    assert f'id="review-{THAI_POSTER}-call-th"' in page
    assert 'id="review-second-thai_border-sign_A4_lo-th-call-th"' in page
    sha = re.search(r'name="sha" value="(\w+)"', page).group(1)
    response = client.post(
        "/c/small/texts/call/th/review",
        {"decision": "approve", "reviewer": "Noy", "sha": sha, "poster": THAI_POSTER},
    )
    assert response.status_code == 200
    copies = re.findall(r'<form class="decision" id="([^"]+)" hx-swap-oob="true"', response.text)
    assert copies == ["review-second-thai_border-sign_A4_lo-th-call-th"]
    assert response.text.count('data-state="reviewed"') == 2


def test_sending_back_a_draft_keeps_the_comment(client: Client, campaign_file: Path):
    response = client.review("contract", "th", "send-back", "Noy", "use the word from the law")
    assert response.status_code == 200, response.text
    today = dt.date.today()
    assert re.search(
        rf"^    contract: \{{status: draft\}} +# sent back by Noy on {today}: use the word",
        campaign_file.read_text(encoding="utf-8"),
        re.M,
    )


def test_a_review_needs_a_name(client: Client, campaign_file: Path):
    before = campaign_file.read_bytes()
    sha = client.sha("/c/small/review?language=th")
    response = client.post(
        "/c/small/texts/call/th/review", {"decision": "approve", "reviewer": " ", "sha": sha}
    )
    assert response.status_code == 422 and "your name" in response.text
    assert campaign_file.read_bytes() == before


def test_the_last_thai_approval_takes_the_draft_mark_away(
    client: Client, campaign_file: Path, project: Path
):
    review_campaign(campaign_file, project)
    ws = client.ws
    ws.refresh()
    entry = ws.get("small")
    change_text(ws, entry, "call", "th", entry.sha256, draft=True)
    before = client.get(f"/c/small/p/{THAI_POSTER}/frame").text
    assert 'data-draft="true"' in before
    assert pink_pixels(client, before) > 2000  # the DRAFT mark
    sha = client.sha("/c/small/review?language=th")
    response = client.post(
        "/c/small/texts/call/th/review", {"decision": "approve", "reviewer": "Noy", "sha": sha}
    )
    assert response.status_code == 200, response.text
    after = client.get(f"/c/small/p/{THAI_POSTER}/frame").text
    assert 'data-draft="false"' in after
    assert pink_pixels(client, after) < 50


def pink_pixels(client: Client, frame: str) -> int:
    """Pixels of the DRAFT mark's pink (templates/base.css) in a frame's picture."""
    src = re.search(r'<img src="([^"]+)"', frame).group(1)
    image = Image.open(io.BytesIO(client.get(src).content)).convert("RGB")
    data = image.tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if r > 200 and g < 200 and b > 120 and r - g > 60)


# --- contacts -------------------------------------------------------------------------


def test_verified_by_phone_today(client: Client, campaign_file: Path, project: Path):
    text = campaign_file.read_text(encoding="utf-8").replace("2026-11-23", "2019-01-05")
    campaign_file.write_text(text, encoding="utf-8")
    client.ws.refresh()
    page = client.get("/c/small/contacts").text
    assert "c-old" in page and "check it again" in page
    assert "check it again" in client.get("/c/small").text  # flagged on the overview too
    sha = client.sha("/c/small/contacts")
    response = client.post(
        "/c/small/contacts/la-1554/verify",
        {"person": "Khamla", "note": "answered by the duty officer", "sha": sha},
    )
    assert response.status_code == 200, response.text
    today = dt.date.today()
    contact = load_campaign(campaign_file, project).campaign.contact("la-1554")
    assert contact.verified == today
    assert contact.verification == f"by phone on {today} by Khamla: answered by the duty officer"
    assert "c-ok" in response.text
    lines = changed_lines(text, campaign_file.read_text(encoding="utf-8"))
    assert lines == [
        "-    verified: 2019-01-05",
        f"+    verified: {today}",
        f"+    verification: 'by phone on {today} by Khamla: answered by the duty officer'",
    ]


def test_a_verification_needs_a_person(client: Client, campaign_file: Path):
    before = campaign_file.read_bytes()
    sha = client.sha("/c/small/contacts")
    response = client.post("/c/small/contacts/la-1554/verify", {"person": "", "sha": sha})
    assert response.status_code == 422 and "who checked it" in response.text
    assert campaign_file.read_bytes() == before
    unknown = client.post("/c/small/contacts/nobody/verify", {"person": "K", "sha": sha})
    assert unknown.status_code == 422 and campaign_file.read_bytes() == before


# --- the whole file, and the hostile corpus -------------------------------------------

CASES = sorted(CORPUS.glob("*.yaml"))


def case_bytes(path: Path) -> bytes:
    case = read_case(path)
    text = path.read_text(encoding="utf-8")
    content = GENERATORS[case.generate](text) if case.generate else text
    return content if isinstance(content, bytes) else content.encode("utf-8")


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_hostile_campaign_through_the_file_editor(
    path: Path, client: Client, campaign_file: Path, project: Path, tmp_path: Path
):
    case = read_case(path)
    outside = tmp_path / "outside.svg"
    outside.write_text(SVG)
    for link, pointee in case.symlinks:
        (project / link).symlink_to(pointee.replace("{outside}", str(outside)))
    before = campaign_file.read_bytes()
    sha = client.sha("/c/small/source")
    response = client.post(
        "/c/small/source",
        {"sha": sha},
        files={"file": ("small.yaml", case_bytes(path), "application/x-yaml")},
    )
    assert "Traceback" not in response.text
    if case.exit == 2:
        assert response.status_code == 422, response.text[:2000]
        assert campaign_file.read_bytes() == before
        located = [
            re.sub(r"\s+", " ", line.replace("&#39;", "'").replace("&#34;", '"'))
            for line in re.findall(r'class="error located"[^>]*>([^<]*)<', response.text)
        ]
        for number, expected in case.errors:
            assert any(f"small.yaml:{number}:" in line and expected in line for line in located), (
                number,
                expected,
                located[:5],
            )
        return
    # A valid file is saved; a poster that cannot be made says why, located, in its preview.
    assert response.status_code == 200, response.text[:2000]
    client.ws.refresh()
    entry = client.ws.get("small")
    errors = " ".join(
        client.get(f"/c/small/p/{job.name.removesuffix('_DRAFT')}/frame").text
        for job in entry.jobs()
    ).replace("&#39;", "'")
    for number, expected in case.errors:
        assert f"small.yaml:{number}:" in errors and expected in errors, errors[:3000]


def test_a_valid_file_is_saved_as_sent(client: Client, campaign_file: Path):
    sha = client.sha("/c/small/source")
    text = WORKSPACE_CAMPAIGN.replace("quantity: 3", "quantity: 30")
    response = client.post("/c/small/source", {"text": text, "sha": sha})
    assert response.status_code == 200 and "saved" in response.text
    assert campaign_file.read_text(encoding="utf-8") == text


# --- bad requests ---------------------------------------------------------------------


def test_oversized_and_malformed_requests(client: Client, campaign_file: Path):
    before = campaign_file.read_bytes()
    sha = client.sha("/c/small/texts/headline/en")
    huge = client.post("/c/small/texts/headline/en", {"value": "x" * 70_000, "sha": sha})
    assert huge.status_code == 413
    too_big_file = client.post("/c/small/source", {"text": "x" * 7_000_000, "sha": sha})
    assert too_big_file.status_code == 413

    def chunks():
        for _ in range(100):
            yield b"value=" + b"y" * 1000

    streamed = client.http.post(
        "/c/small/texts/headline/en",
        content=chunks(),
        headers={"X-CSRF-Token": client.settings.csrf,
                 "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert streamed.status_code == 413
    no_value = client.post("/c/small/texts/headline/en", {"sha": sha})
    assert no_value.status_code == 400
    bad_length = client.http.post(
        "/c/small/texts/headline/en",
        content=b"value=x",
        headers={"X-CSRF-Token": client.settings.csrf, "Content-Length": "abc",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert bad_length.status_code == 400
    bad_decision = client.post("/c/small/texts/headline/th/review", {"decision": "x", "sha": sha})
    assert bad_decision.status_code == 400
    for content_type, body in (
        ("multipart/form-data; boundary=xyz", b"garbage--xyz\r\nnope"),
        ("multipart/form-data", b"no boundary"),
        ("application/json", b"{}"),
    ):
        for url in ("/c/small/source", "/c/small/texts/headline/en", "/c/small/assets"):
            malformed = client.post(url, content=body, headers={"Content-Type": content_type})
            assert malformed.status_code == 400, (url, content_type, malformed.text)
    fragment = client.post(
        "/c/small/texts/headline/en", {"sha": sha}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 400 and "<html" not in fragment.text
    assert campaign_file.read_bytes() == before


def test_unknown_names_never_reach_the_file_system(client: Client):
    for url in (
        "/c/..%2F..%2Fetc%2Fpasswd",
        "/c/small/p/..%2F..%2Fsmall",
        "/c/small/texts/..%2Fsmall/lo",
        "/c/small/texts/headline/xx",
        "/c/nothing/texts",
        f"/c/small/p/{POSTER}/page/9.png",
        "/c/small/download/manifest.zip",
        "/static/../campaigns/small.yaml",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Traceback" not in response.text


def test_an_unexpected_error_answers_with_an_id_and_logs_the_traceback(
    client: Client, caplog, monkeypatch
):
    app = client.http.app.state

    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.renderer, "preview", broken)
    with caplog.at_level(logging.ERROR, logger="generator.workspace"):
        response = client.get(f"/c/small/p/{POSTER}/frame")
    assert response.status_code == 500
    error_id = re.search(r"error ([0-9a-f]{10})", response.text).group(1)
    assert "Traceback" not in response.text and "a bug" not in response.text
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info[0] is RuntimeError


# --- security -------------------------------------------------------------------------


def test_writes_need_the_pages_csrf_token(client: Client, campaign_file: Path):
    before = campaign_file.read_bytes()
    sha = client.sha("/c/small/texts/headline/en")
    refused = client.http.post("/c/small/texts/headline/en", data={"value": "Hi", "sha": sha})
    assert refused.status_code == 403
    other_site = client.post(
        "/c/small/texts/headline/en", {"value": "Hi", "sha": sha},
        headers={"Origin": "http://evil.example"},
    )  # fmt: skip
    assert other_site.status_code == 403
    assert campaign_file.read_bytes() == before
    assert client.settings.csrf in client.get("/c/small").text


def test_only_the_servers_own_name_is_answered(client: Client):
    rebound = client.http.get("/c/small", headers={"Host": "attacker.example"})
    assert rebound.status_code == 400


def test_another_host_needs_the_access_token(workspace: Workspace):
    settings = Settings.for_host("192.0.2.10", 8000)
    assert settings.token
    http = TestClient(create_app(workspace, settings), base_url="http://192.0.2.10:8000")
    assert http.get("/c/small").status_code == 403
    assert http.get("/c/small?token=wrong").status_code == 403
    signed_in = http.get(f"/c/small?token={settings.token}", follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/c/small"
    assert "HttpOnly" in signed_in.headers["set-cookie"]
    assert http.get("/c/small").status_code == 200  # the cookie now
    sneaky = http.get(f"/c/small%0d%0aSet-Cookie:%20x=1?token={settings.token}",
                      follow_redirects=False)  # fmt: skip
    assert sneaky.headers["location"] == "/c/small%0d%0aSet-Cookie:%20x=1"


def test_only_files_under_campaigns_are_served(project: Path, tmp_path: Path):
    from generator.workspace.state import NotServed

    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(SMALL_CAMPAIGN, encoding="utf-8")
    with pytest.raises(NotServed, match="only campaign files in"):
        Workspace(project, [elsewhere])


# --- uploads --------------------------------------------------------------------------


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "stored", "problem"),
    [
        ("../../Partner Logo.png", png_bytes(), "assets/logos/partner-logo.png", None),
        ("mark.svg", SVG.encode(), "assets/logos/mark.svg", None),
        ("fake.png", b"\x89PNG\r\n\x1a\nnot really", None, "not a picture Pillow can read"),
        ("gif.gif", b"GIF89a" + b"\0" * 30, None, "not a picture"),
        (
            "entity.svg",
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
            None,
            "document type or entities",
        ),
        (
            "outside.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            b'<image xlink:href="../../secret.png"/></svg>',
            None,
            "only its own elements",
        ),
        (
            "script.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            None,
            "<script>",
        ),
    ],
)
def test_uploads_are_checked_and_stored_under_assets(
    client: Client, project: Path, name, data, stored, problem
):
    response = client.post(
        "/c/small/assets",
        {"folder": "logos"},
        files={"file": (name, data, "application/octet-stream")},
    )
    if problem:
        assert response.status_code == 422 and problem in response.text.replace(
            "&lt;", "<"
        ).replace("&gt;", ">")
        assert sorted(p.name for p in (project / "assets" / "logos").iterdir()) == sorted(
            p.name for p in (Path(__file__).parents[1] / "assets" / "logos").iterdir()
        )
        return
    assert response.status_code == 200, response.text
    assert stored in response.text
    assert (project / stored).read_bytes() == data


def test_an_upload_never_replaces_another_file(client: Client, project: Path):
    existing = project / "assets" / "logos" / "mlsw.svg"
    before = existing.read_bytes()
    response = client.post(
        "/c/small/assets", {"folder": "logos"}, files={"file": ("MLSW.svg", SVG.encode(), "x")}
    )
    assert response.status_code == 422 and "give the new file another name" in response.text
    assert existing.read_bytes() == before


def test_an_upload_to_an_unknown_folder_is_refused(client: Client):
    response = client.post(
        "/c/small/assets",
        {"folder": "../templates"},
        files={"file": ("a.png", png_bytes(), "image/png")},
    )
    assert response.status_code == 422 and "unknown folder" in response.text


# --- live reload ------------------------------------------------------------------------


def test_pages_learn_of_changes_on_disk(client: Client, campaign_file: Path, project: Path):
    first = client.get("/changes").json()["version"]
    campaign_file.write_text(WORKSPACE_CAMPAIGN.replace("quantity: 3", "quantity: 4"), "utf-8")
    second = client.get("/changes").json()["version"]
    assert second != first
    assert client.get("/changes").json()["version"] == second  # no change, same version


def test_the_watcher_sees_a_template_change(workspace: Workspace, project: Path):
    settings = Settings()
    with TestClient(create_app(workspace, settings, watch=True), base_url=BASE) as http:
        first = http.get("/changes").json()["version"]
        time.sleep(0.5)  # the watcher is running
        css = project / "templates" / "border-sign" / "style.css"
        css.write_text(css.read_text(encoding="utf-8") + "\n/* changed */\n", encoding="utf-8")
        deadline = time.monotonic() + 10
        while http.get("/changes").json()["version"] == first and time.monotonic() < deadline:
            time.sleep(0.2)
        assert http.get("/changes").json()["version"] != first


# --- build and print package ----------------------------------------------------------


def test_build_from_the_page_then_download_the_print_package(
    client: Client, campaign_file: Path, project: Path, tmp_path: Path
):
    app = client.http.app.state
    drafts_first = client.post("/c/small/build")
    assert drafts_first.status_code == 200 and "Building" in drafts_first.text
    build = app.builds.wait("small")
    assert build.returncode == 0, build.lines
    assert (build.total, build.done, build.failed) == (2, 2, 0), build.lines  # the progress
    assert "Build finished" in client.get("/c/small/build").text
    refused = client.get("/c/small/download/print.zip")
    assert refused.status_code == 409 and "drafts" in refused.text
    proofs = client.get("/c/small/download/proofs.zip")
    assert proofs.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(proofs.content)).namelist()
    assert all(n.endswith("_DRAFT.pdf") for n in names if n != "proof.pdf") and len(names) == 3

    review_campaign(campaign_file, project)  # every text reviewed: both posters final
    client.ws.refresh()
    stale = client.get("/c/small/download/print.zip")
    assert stale.status_code == 409 and "out of date" in stale.text
    client.post("/c/small/build")
    assert app.builds.wait("small").returncode == 0
    package = client.get("/c/small/download/print.zip")
    assert package.status_code == 200
    assert package.headers["content-type"] == "application/zip"
    check_print_package(package.content)


def check_print_package(data: bytes) -> None:
    """The small campaign's print package: both final posters, their proof sheet and print
    order; every PDF opens, the posters with their trim box."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    posters = [f"{POSTER}.pdf", f"{THAI_POSTER}.pdf"]
    assert sorted(archive.namelist()) == sorted([*posters, "proof.pdf", "print-order.csv"])
    for name in [*posters, "proof.pdf"]:
        with pikepdf.open(io.BytesIO(archive.read(name))) as pdf:
            assert len(pdf.pages) >= 1
            assert name == "proof.pdf" or "/TrimBox" in pdf.pages[0]
    order = archive.read("print-order.csv").decode("utf-8")
    assert all(poster in order for poster in posters) and "DRAFT" not in order


# --- the renderer ---------------------------------------------------------------------


def test_the_poster_being_looked_at_is_drawn_before_waiting_thumbnails(workspace: Workspace):
    import threading

    from generator.workspace.render import Preview, Renderer

    renderer = Renderer(workspace.project)
    entry = workspace.get("small")
    jobs = entry.jobs()
    order, started = [], threading.Event()

    def render(loaded, job):
        order.append(job.name)
        started.set()
        time.sleep(0.3)
        return Preview(job)

    renderer._render = render
    renderer.key = lambda loaded, job: job.name  # every job its own picture
    first = threading.Thread(target=renderer.preview, args=(entry.loaded, jobs[0], False))
    first.start()
    started.wait(5)
    more = [
        threading.Thread(target=renderer.preview, args=(entry.loaded, job, False))
        for job in [jobs[1]] * 3
    ]
    for thread in more:
        thread.start()
    time.sleep(0.05)
    looked_at = type(jobs[0])(**{**jobs[0].__dict__, "placement_id": "looked-at"})
    renderer.preview(entry.loaded, looked_at)
    for thread in [first, *more]:
        thread.join(10)
    assert order[:2] == [jobs[0].name, looked_at.name]
    assert order.count(jobs[1].name) == 1  # drawn once, then from the cache


def test_a_thumbnail_comes_from_the_build_when_it_is_current(
    client: Client, monkeypatch, project: Path
):
    app = client.http.app.state
    client.post("/c/small/build")
    assert app.builds.wait("small").returncode == 0

    def no_render(*args):
        raise AssertionError("drawn again although the build's picture is current")

    monkeypatch.setattr(app.renderer, "preview", no_render)
    picture = client.get(f"/c/small/p/{POSTER}/thumbnail.png")
    assert picture.status_code == 200
    assert max(Image.open(io.BytesIO(picture.content)).size) == 360


def test_a_poster_that_never_finishes_is_stopped_and_the_server_goes_on(
    client: Client, project: Path
):
    template = project / "templates" / "border-sign" / "poster.html.j2"
    template.write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        encoding="utf-8",
    )
    client.http.app.state.renderer.seconds = 2
    frame = client.get(f"/c/small/p/{POSTER}/frame")
    assert frame.status_code == 200
    assert "stopped after the time limit of 2 s" in frame.text
    assert client.get("/c/small/texts").status_code == 200


def test_a_crashed_render_process_is_started_again(client: Client):
    import os
    import signal

    from generator.workspace import render

    render.warm_up()
    for pid in list(render._worker()._processes):
        os.kill(pid, signal.SIGKILL)
    frame = client.get(f"/c/small/p/{POSTER}/frame")
    assert frame.status_code == 200 and "the renderer stopped" in frame.text
    again = client.get(f"/c/small/p/{POSTER}/frame")
    assert 'data-draft="true"' in again.text and "<img" in again.text


def test_two_saves_at_the_same_moment_one_wins_the_other_is_a_conflict(
    workspace: Workspace, campaign_file: Path
):
    from concurrent.futures import ThreadPoolExecutor

    from generator.workspace.app import attempt

    entry = workspace.get("small")
    sha = entry.sha256
    values = ["Work abroad safely", "Stay safe abroad", "Safe work abroad", "Go safely"]

    def save(value: str):
        return attempt(lambda: change_text(workspace, entry, "headline", "en", sha, value=value))

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(save, values))
    statuses = sorted(status for *_, status in outcomes)
    assert statuses == [200, 409, 409, 409]
    winner = values[[status for *_, status in outcomes].index(200)]
    assert f"en: {winner}," in campaign_file.read_text(encoding="utf-8")


def test_a_save_on_a_full_disk_is_refused_with_the_path_and_what_to_do(
    workspace: Workspace, campaign_file: Path, monkeypatch
):
    import errno
    import os
    import tempfile

    import generator.campaign.files
    from generator.workspace.app import attempt

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    before = campaign_file.read_bytes()
    entry = workspace.get("small")
    monkeypatch.setattr(generator.campaign.files.tempfile, "mkstemp", full)
    done, problems, conflict, status = attempt(
        lambda: change_text(workspace, entry, "headline", "en", entry.sha256, value="Go safely")
    )
    monkeypatch.setattr(generator.campaign.files.tempfile, "mkstemp", tempfile.mkstemp)
    assert status == 422 and not conflict and done is None
    assert "No space left on device; the disk is full" in problems[0]
    assert str(campaign_file.parent) in problems[0]
    assert campaign_file.read_bytes() == before


def test_a_design_that_names_its_texts_with_data_text_id_is_clickable(
    client: Client, project: Path
):
    """The agreed attribute (INTERFACES.md): any element carrying data-text-id and lang."""
    macros = project / "templates" / "macros.html.j2"
    text = macros.read_text(encoding="utf-8")
    # Every printed text carries its id from the text partial; name them all the title.
    marked = text.replace('data-text-id="{{ t.text_id }}"', 'data-text-id="campaign.title"')
    assert marked != text
    macros.write_text(marked, encoding="utf-8")
    frame = client.get(f"/c/small/p/{POSTER}/frame").text
    ids = set(re.findall(r'data-text-id="([^"]+)" data-lang="[^"]+"', frame))
    assert ids == {"campaign.title"}  # the attribute wins over the fit box's key
