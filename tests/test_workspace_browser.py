"""The workspace in a real browser: Debian's Chromium driven by Selenium through
chromium-driver, against a real uvicorn server this test starts on 127.0.0.1.

Each test takes screenshots of the pages it uses (in the test's temporary folder, and
in $WORKSPACE_SCREENSHOTS when set, for a person to look at).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from test_workspace import POSTER, THAI_POSTER, WORKSPACE_CAMPAIGN, check_print_package
from test_workspace_serve import free_port, no_network  # noqa: F401 (a fixture)

from conftest import review_campaign
from generator.workspace.app import create_app
from generator.workspace.edits import change_text
from generator.workspace.security import Settings
from generator.workspace.state import Workspace

CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--window-size=1400,1000", "--disable-dev-shm-usage",
)  # fmt: skip
WAIT = 30

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
    reason="Debian's chromium and chromium-driver are not installed "
    "(scripts/install-system-deps.sh installs them)",
)


class Server:
    def __init__(self, project: Path):
        import uvicorn

        self.port = free_port()
        self.ws = Workspace(project)
        self.settings = Settings("127.0.0.1", self.port)
        self.app = create_app(self.ws, self.settings, warm=True)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.server.started
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def campaign_file(project: Path) -> Path:
    path = project / "campaigns" / "small.yaml"
    path.write_text(WORKSPACE_CAMPAIGN, encoding="utf-8")
    return path


@pytest.fixture
def server(project: Path, campaign_file: Path):
    running = Server(project)
    yield running
    running.stop()


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(downloads: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    yield driver
    driver.quit()


@pytest.fixture
def shoot(browser, tmp_path: Path):
    """Take a screenshot of the whole page as NAME.png."""
    keep = os.environ.get("WORKSPACE_SCREENSHOTS")

    def take(name: str) -> Path:
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1400, min(max(height, 1000), 4000))
        browser.execute_script("window.scrollTo(0, 0)")
        path = tmp_path / f"{name}.png"
        browser.save_screenshot(str(path))
        browser.set_window_size(1400, 1000)
        assert path.stat().st_size > 10_000
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(keep) / path.name)
        return path

    return take


def wait_for(browser, condition, seconds: float = WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, seconds, poll_frequency=0.1).until(condition)


def css(browser, selector: str):
    from selenium.webdriver.common.by import By

    return wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, selector))


def loaded_frame(browser):
    """The preview frame once its picture has loaded."""
    frame = css(browser, "#frame .frame, .review-frame .frame")
    wait_for(
        browser,
        lambda d: d.execute_script(
            "const i = document.querySelector('.frame img');"
            "return i === null || (i.complete && i.naturalWidth > 0);"
        ),
    )
    return frame


def test_the_overview_shows_every_poster(server: Server, browser, shoot, campaign_file):
    browser.get(f"{server.url}/c/small")
    cards = wait_for(browser, lambda d: d.find_elements("css selector", "article.card"))
    assert {card.get_attribute("data-poster") for card in cards} == {POSTER, THAI_POSTER}
    wait_for(
        browser,
        lambda d: d.execute_script(
            "return [...document.querySelectorAll('.card img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        ),
    )
    assert "texts await review" in browser.page_source
    shoot("overview")
    # An editor changes the file on disk: the open page reloads by itself.
    campaign_file.write_text(WORKSPACE_CAMPAIGN.replace("quantity: 3", "quantity: 30"), "utf-8")
    wait_for(browser, lambda d: "30 prints" in text_of(d, "#cards"), 15)
    browser.get(f"{server.url}/c/small/texts")
    css(browser, 'form.editor[data-text-id="headline"][data-lang="th"]')
    shoot("texts")
    browser.get(f"{server.url}/c/small/source")
    css(browser, "form.source-form textarea")
    shoot("campaign-file")


def test_edit_a_lao_text_and_see_the_preview_change(server: Server, browser, shoot, campaign_file):
    browser.get(f"{server.url}/c/small/p/{POSTER}")
    frame = loaded_frame(browser)
    old_key = frame.get_attribute("data-key")
    old_picture = browser.find_element("css selector", "#frame img").screenshot_as_png
    shoot("poster-before")

    css(browser, 'button.hot[data-text-id="headline"][data-lang="lo"]').click()
    area = css(browser, '#editor form[data-text-id="headline"][data-lang="lo"] textarea')
    area.clear()
    area.send_keys("ໄປເຮັດວຽກ ໃຫ້ປອດໄພ")
    wait_for(browser, lambda d: "16 of 60 characters" in text_of(d, "#editor .check"))
    shoot("poster-editing")
    browser.find_element("css selector", '#editor button[type="submit"]').click()
    wait_for(browser, lambda d: "draft → translated" in text_of(d, "#editor"))
    wait_for(browser, lambda d: attribute(d, "#frame .frame", "data-key") not in (None, old_key))
    loaded_frame(browser)
    new_picture = browser.find_element("css selector", "#frame img").screenshot_as_png
    assert new_picture != old_picture
    assert "headline: {lo: ໄປເຮັດວຽກ ໃຫ້ປອດໄພ," in campaign_file.read_text(encoding="utf-8")
    shoot("poster-after")


def test_approve_the_last_thai_text_and_the_draft_mark_goes(
    server: Server, browser, shoot, campaign_file, project
):
    review_campaign(campaign_file, project)
    server.ws.refresh()
    entry = server.ws.get("small")
    change_text(server.ws, entry, "call", "th", entry.sha256, draft=True)

    browser.get(f"{server.url}/c/small/review?language=th&reviewer=Noy+Phommachanh")
    section = css(browser, f'section[data-poster="{THAI_POSTER}"]')
    browser.execute_script("arguments[0].scrollIntoView()", section)
    frame = wait_for(
        browser, lambda d: section.find_element("css selector", ".review-frame .frame")
    )
    assert frame.get_attribute("data-draft") == "true"
    highlighted = section.find_elements("css selector", 'a.hot.highlight[data-lang="th"]')
    assert highlighted, "the Thai texts are highlighted on the poster"
    old_picture = section.find_element("css selector", ".review-frame img").screenshot_as_png
    shoot("review-before")

    form = section.find_element("css selector", 'form.decision[data-text-id="call"]')
    assert form.get_attribute("data-state") == "draft"
    form.find_element("css selector", 'button[value="approve"]').click()
    where = f'section[data-poster="{THAI_POSTER}"]'
    decision = f'{where} form.decision[data-text-id="call"]'
    wait_for(browser, lambda d: attribute(d, decision, "data-state") == "reviewed")
    wait_for(
        browser, lambda d: attribute(d, f"{where} .review-frame .frame", "data-draft") == "false"
    )
    loaded_frame(browser)
    new_picture = browser.find_element("css selector", f"{where} .review-frame img")
    assert new_picture.screenshot_as_png != old_picture
    assert "status: reviewed, reviewer: Noy Phommachanh" in campaign_file.read_text("utf-8")
    shoot("review-after")


def test_record_a_contact_verification(server: Server, browser, shoot, campaign_file):
    text = campaign_file.read_text(encoding="utf-8").replace("2026-11-23", "2019-01-05")
    campaign_file.write_text(text, encoding="utf-8")
    browser.get(f"{server.url}/c/small/contacts")
    row = css(browser, 'tr[data-contact="la-1554"]')
    assert "c-old" in row.get_attribute("class")
    row.find_element("css selector", 'input[name="person"]').send_keys("Khamla")
    row.find_element("css selector", 'input[name="note"]').send_keys("duty officer answered")
    shoot("contacts-before")
    row.find_element("css selector", "button").click()
    wait_for(
        browser, lambda d: "c-ok" in (attribute(d, 'tr[data-contact="la-1554"]', "class") or "")
    )
    assert "by Khamla: duty officer answered" in browser.page_source
    assert "by Khamla: duty officer answered" in campaign_file.read_text(encoding="utf-8")
    shoot("contacts-after")


def test_build_and_download_the_print_package(
    server: Server, browser, shoot, campaign_file, project, downloads
):
    review_campaign(campaign_file, project)  # every text reviewed: both posters final
    browser.get(f"{server.url}/c/small")
    css(browser, 'button[hx-post$="/build"]').click()
    css(browser, ".build")
    shoot("build-running")
    wait_for(browser, lambda d: attribute(d, ".build", "data-running") == "false", 180)
    assert d_text(browser, ".build").startswith("Build finished")
    wait_for(browser, lambda d: text_of(d, "#cards").count("preflight (last build): passed") == 2)
    shoot("build-finished")
    css(browser, 'a[data-download="print"]').click()
    zip_path = downloads / "small-test-print.zip"
    wait_for(browser, lambda d: zip_path.is_file() and not list(downloads.glob("*.crdownload")))
    check_print_package(zip_path.read_bytes())


def d_text(browser, selector: str) -> str:
    return browser.find_element("css selector", selector).text.strip()


def text_of(browser, selector: str) -> str:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    try:
        return browser.find_element("css selector", selector).text
    except (NoSuchElementException, StaleElementReferenceException):
        return ""


def attribute(browser, selector: str, name: str) -> str | None:
    """An attribute of an element that htmx may be replacing right now."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    try:
        return browser.find_element("css selector", selector).get_attribute(name)
    except (NoSuchElementException, StaleElementReferenceException):
        return None


def test_a_conflict_is_refused_and_said(server: Server, browser, shoot, campaign_file):
    browser.get(f"{server.url}/c/small/p/{POSTER}")
    loaded_frame(browser)
    css(browser, 'button.hot[data-text-id="headline"][data-lang="en"]').click()
    area = css(browser, '#editor form[data-text-id="headline"] textarea')
    area.clear()
    area.send_keys("Going abroad for work? Stay safe")

    # Meanwhile someone else saves the same text from another browser.
    other = httpx.Client(base_url=server.url)
    page = other.get("/c/small/texts/headline/en").text
    sha = page.split('name="sha" value="')[1].split('"')[0]
    saved = other.post(
        "/c/small/texts/headline/en",
        data={"value": "Work abroad? Stay safe", "sha": sha},
        headers={"X-CSRF-Token": server.settings.csrf},
    )
    assert saved.status_code == 200
    written = campaign_file.read_bytes()

    browser.find_element("css selector", '#editor button[type="submit"]').click()
    conflict = css(browser, "#editor .conflict")
    assert "changed since this page was loaded" in conflict.text
    assert campaign_file.read_bytes() == written  # nothing overwritten
    # The page does not reload under the typing; it says the file changed.
    wait_for(browser, lambda d: d.find_element("id", "reload-banner").is_displayed(), 10)
    shoot("conflict")


def test_the_texts_grid_checks_as_one_types(server: Server, browser, shoot, campaign_file):
    before = campaign_file.read_bytes()
    browser.get(f"{server.url}/c/small/texts?language=lo")
    cell = 'form.editor[data-text-id="employer"][data-lang="lo"]'
    area = css(browser, f"{cell} textarea")
    area.clear()
    area.send_keys("Know your employer")
    wait_for(browser, lambda d: "mostly Latin letters" in text_of(d, f"{cell} .check"))
    shoot("texts-check")
    browser.find_element("css selector", f'{cell} button[type="submit"]').click()
    wait_for(browser, lambda d: "is mostly Latin letters" in text_of(d, f"{cell} .error"))
    assert "small.yaml:" in text_of(browser, f"{cell} .error")  # located, as the CLI says it
    assert campaign_file.read_bytes() == before
