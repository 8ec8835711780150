"""The reports as a reader sees them: rendered in headless Chromium.

Each page (EN and FR manager reports, the plain summaries in every language,
the auditor's index, the comparison) must pass axe-core's WCAG 2.1 A and AA
rules with no serious or critical violation, load with no console error and no request for anything but the file
itself, give every image an alt text, keep its headings in order and show the
synthetic-data banner on screen and in the top margin of every printed page. Screenshots and a print PDF of
each page are saved for the record in ``$MWSN_SCREENSHOTS`` (default: a temporary folder).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from mwsn import i18n

#: one browser for the file's tests (one xdist worker: `make test` runs with --dist loadgroup)
pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.xdist_group("browser")]

#: where the screenshots and PDFs are kept for the record: MWSN_SCREENSHOTS, or a temporary
#: folder (tests never write into the user's reports/)
SCREENSHOTS = Path(os.environ.get("MWSN_SCREENSHOTS")
                   or tempfile.mkdtemp(prefix="mwsn-screenshots-"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1100,900")


def _skip_reason() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not CHROMIUM:
        return "chromium is not installed (Debian: apt-get install chromium)"
    if not CHROMEDRIVER:
        return "chromedriver is not installed (Debian: apt-get install chromium-driver)"
    return None


if _skip_reason():
    pytest.skip(_skip_reason(), allow_module_level=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def pages(bc_run, bc_compared):
    reports = bc_run / "reports"
    return {"assessment_en": reports / "bc" / "assessment.html",
            "assessment_fr": reports / "bc" / "assessment.fr.html",
            **{f"summary_{lang}": reports / "bc" / f"summary.{lang}.html"
               for lang in ("en", "fr", "es", "tl")},
            "index": reports / "bc" / "index.html",
            "compare": reports / "compare.html"}


#: every page, by name; the summaries are in their own language
PAGES = ["assessment_en", "assessment_fr", "summary_en", "summary_fr", "summary_es",
         "summary_tl", "index", "compare"]


def page_lang(name: str) -> str:
    return name.rsplit("_", 1)[1] if name.startswith(("assessment", "summary")) else "en"


def load(driver, path: Path) -> dict:
    """Open ``path`` in a clean tab and collect what the checks need."""
    from selenium.webdriver.common.by import By

    driver.get("about:blank")
    driver.get_log("browser"), driver.get_log("performance")  # drop earlier entries
    url = path.as_uri()
    driver.get(url)
    console = driver.get_log("browser")
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    headings = [int(h.tag_name[1]) for h in driver.find_elements(
        By.CSS_SELECTOR, "h1, h2, h3, h4, h5, h6")]
    images = [(img.get_attribute("alt") or "").strip()
              for img in driver.find_elements(By.TAG_NAME, "img")]
    return {"url": url, "console": console, "requests": requests, "headings": headings,
            "images": images, "lang": driver.find_element(By.TAG_NAME, "html").get_attribute("lang"),
            "title": driver.title}


def banner_visible(driver) -> bool:
    from selenium.webdriver.common.by import By

    banners = driver.find_elements(By.CSS_SELECTOR, ".banner")
    if not banners or not banners[0].is_displayed():
        return False
    rect = driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()",
                                 banners[0])
    height = driver.execute_script("return window.innerHeight")
    return rect["height"] > 0 and 0 <= rect["top"] < height


PRINT_BANNER = """
for (const sheet of document.styleSheets)
  for (const rule of sheet.cssRules)
    if (rule instanceof CSSPageRule)
      for (const inner of rule.cssRules || [])
        if (inner.name === "top-center") return inner.style.getPropertyValue("content");
return null;
"""


def _css_text(value: str) -> str:
    """A CSS string's text: ``\\c9 `` escapes decoded."""
    return re.sub(r"\\([0-9a-f]{1,6}) ?", lambda m: chr(int(m.group(1), 16)), value)


def print_banner(driver) -> str:
    """The text Chromium will print in the top margin of every page (a CSS margin box)."""
    return driver.execute_script(PRINT_BANNER) or ""


def _full_page(driver, path: Path) -> None:
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


def save_record(driver, name: str) -> bytes:
    """Screenshots of the top of the page and of the whole page (screen and print), and its PDF."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    _full_page(driver, SCREENSHOTS / f"{name}.full.png")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        _full_page(driver, SCREENSHOTS / f"{name}.print.png")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF",
                                                  {"printBackground": True})["data"])
    (SCREENSHOTS / f"{name}.pdf").write_bytes(pdf)
    return pdf


@pytest.mark.parametrize("name", PAGES)
def test_report_renders_cleanly_in_chromium(browser, pages, name):
    seen = load(browser, pages[name])
    errors = [e for e in seen["console"] if e["level"] == "SEVERE"]
    assert errors == [], f"{name}: console errors {errors}"
    outside = [u for u in seen["requests"]
               if not u.startswith("data:") and u.split("#")[0] != seen["url"]]
    assert outside == [], f"{name}: requests outside the file {outside}"
    assert all(seen["images"]), f"{name}: an image without alt text"
    assert seen["lang"] == page_lang(name), seen["lang"]
    assert seen["title"].strip(), f"{name}: no page title"
    levels = seen["headings"]
    assert levels and levels[0] == 1, f"{name}: the first heading is not h1: {levels}"
    skipped = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert skipped == [], f"{name}: heading levels skipped {skipped}"
    assert banner_visible(browser), f"{name}: banner not visible at the top"
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    assert banner_visible(browser), f"{name}: banner not visible after scrolling to the end"
    banner = print_banner(browser)
    expected = i18n.t("plain.banner" if name.startswith("summary") else "banner.synthetic",
                      page_lang(name))
    assert banner.startswith('"') and all(w in _css_text(banner) for w in expected.split()[:2]), \
        f"{name}: no banner in the printed pages' top margin: {banner!r}"
    browser.execute_script("window.scrollTo(0, 0)")
    pdf = save_record(browser, name)
    if name.startswith("assessment"):
        # each section starts a new printed page: at least one page per section, plus the title
        sections = len(browser.find_elements("css selector", "main section"))
        pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
        assert pages >= sections + 1, f"{name}: {pages} printed pages for {sections} sections"


def test_manager_report_has_charts_each_with_alt_text_stating_a_number(browser, pages):
    seen = load(browser, pages["assessment_en"])
    assert len(seen["images"]) >= 3
    assert all(any(ch.isdigit() for ch in alt) for alt in seen["images"]), seen["images"]


def test_the_network_check_catches_a_page_that_makes_a_request(browser, tmp_path):
    # the negative control: the same check must flag an image fetched from elsewhere
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><html lang="en"><body><h1>x</h1>'
                    '<img src="http://127.0.0.1:9/pixel.png" alt="pixel"></body></html>')
    seen = load(browser, page)
    assert any(u.startswith("http://127.0.0.1:9/") for u in seen["requests"])


# -- accessibility: axe-core, WCAG 2.1 AA ------------------------------------------------

#: axe-core (MPL-2.0, Deque Systems), vendored as published on npm: see vendor/axe-core/SOURCE
AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
#: the rules of WCAG 2.0 and 2.1, levels A and AA (the Standard on Web Accessibility's level)
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))
  .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


def axe_violations(driver, path: Path, tmp: Path) -> list[dict]:
    """axe-core's WCAG 2.1 AA violations on ``path``: a copy without the page's CSP (which
    rightly forbids the injected script), the rest unchanged."""
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "",
                  path.read_text(encoding="utf-8"), count=1)
    copy = tmp / path.name
    copy.write_text(text, encoding="utf-8")
    driver.get(copy.as_uri())
    driver.set_script_timeout(300)
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(RUN_AXE, WCAG_21_AA)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_passes_axe_wcag_21_aa_with_no_serious_or_critical_violation(
        browser, pages, name, tmp_path):
    found = axe_violations(browser, pages[name], tmp_path)
    serious = [v for v in found if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: {serious}"


def test_axe_catches_a_page_with_violations(browser, tmp_path):
    # the negative control: an image without alt text and grey-on-white text fail WCAG AA
    page = tmp_path / "inaccessible.html"
    page.write_text('<!DOCTYPE html><html><body><h1>x</h1><img src="data:image/gif;base64,'
                    'R0lGODlhAQABAAAAACw=">'
                    '<p style="color:#bbb;background:#fff">faint</p></body></html>')
    ids = {v["id"] for v in axe_violations(browser, page, tmp_path / "..")}
    assert {"image-alt", "color-contrast", "html-has-lang"} <= ids, ids


def test_vendored_axe_is_the_published_file():
    import hashlib

    # sha256 of axe.min.js in axe-core-4.14.1.tgz from registry.npmjs.org (vendor/axe-core/SOURCE)
    digest = hashlib.sha256(AXE.read_bytes()).hexdigest()
    assert digest == "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"


def test_the_first_screen_of_the_report_shows_every_rating(browser, pages):
    load(browser, pages["assessment_en"])
    bottoms = browser.execute_script(
        "return [...document.querySelectorAll('#executive td.rating')]"
        ".map(e => e.getBoundingClientRect().bottom)")
    height = browser.execute_script("return window.innerHeight")
    assert len(bottoms) == 7 and max(bottoms) <= height, (bottoms, height)
