"""The search page in a real browser: headless Chromium (Debian's package) driven by Playwright.

The app runs under gunicorn on a free loopback port over the seed index. Each flow runs twice,
with JavaScript on and off, since the page must work fully without its script. Screenshots
of the results page land in tests/artifacts/ (git-ignored) for a person to look at.

Without /usr/bin/chromium these tests skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from search.documents import Article, read_paths
from search.store import index_articles

from .conftest import SEEDS
from .live_server import gunicorn_command

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
QUERY = "كوريا"  # all five seed articles mention Korea: three pages of two
SOURCE = "وكالة الصحافة المستقلة"  # the source of two of them


def _unavailable(reason: str) -> None:
    """Skip on a workstation without the browser; in CI (CI=true) that is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing; install Debian's chromium package (apt-get)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed; pip install -e '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(seed_index, browser):
    """gunicorn serving the app on the seed index; yields its base URL."""
    yield from _serve(seed_index)


@pytest.fixture(scope="module")
def crowded_server(tmp_path_factory, browser):
    """gunicorn on an index where every facet has many values: 30 articles of the seeds'
    text, each of its own source, with three tags of 30, over ten years."""
    articles = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]
    crowded = [
        dataclasses.replace(
            articles[i % len(articles)],
            id=f"crowded-{i}",
            source=f"صحيفة رقم {i}",
            tags=tuple(f"وسم {(i + k) % 30}" for k in range(3)),
            date=dt.date(2015 + i % 10, 1 + i % 12, 1 + i % 28),
        )
        for i in range(30)
    ]
    folder = tmp_path_factory.mktemp("crowded")
    index_articles(folder, crowded)
    yield from _serve(folder)


def _serve(index: Path):
    port = _free_port()
    env = {**os.environ, "ARABIC_SEARCH_INDEX_DIR": str(index)}
    process = subprocess.Popen(
        [*gunicorn_command(workers=2)(port), "--log-level", "warning"],
        cwd=Path(__file__).parents[1],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def javascript(request) -> bool:
    return request.param


def watched_page(browser, server, javascript: bool):
    """A fresh page at desktop width, with JavaScript on or off, that fails the test on any
    console error (CSP violations, inline script or style, show up there)."""
    context = browser.new_context(
        viewport=DESKTOP, java_script_enabled=javascript, base_url=server, locale="ar"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


@pytest.fixture
def page(browser, server, javascript):
    """A fresh page, with JavaScript on or off; fails on console errors."""
    yield from watched_page(browser, server, javascript)


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def search_for(page, text: str) -> None:
    page.goto("/?per_page=2")
    box = page.get_by_label("كلمات البحث")  # a searchbox, or a combobox with the script
    box.fill(text)
    box.press("Enter")
    page.wait_for_url(lambda url: "q=" in url)


def summary(page) -> str:
    return page.locator("#summary").inner_text()


def test_search_shows_highlighted_results_right_to_left(page):
    search_for(page, QUERY)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.get_by_label("كلمات البحث").input_value() == QUERY
    assert summary(page).startswith("٥ نتائج في")
    assert page.locator(".hit").count() == 2
    first_mark = page.locator(".hit mark").first
    assert first_mark.is_visible()
    background = first_mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    # Right to left: the filters sit at the start (right), the results to their left.
    filters = page.locator(".filters").bounding_box()
    results = page.locator(".results").bounding_box()
    assert filters["x"] > results["x"]


def test_pagination_and_filter_keep_the_query(page, javascript):
    search_for(page, QUERY)
    first_titles = page.locator(".hit h2").all_inner_texts()

    page.get_by_role("navigation", name="صفحات النتائج").get_by_role("link", name="التالي").click()
    page.wait_for_url(lambda url: params(url).get("page") == ["2"])
    current = page.locator(".pages [aria-current=page]")
    current.get_by_text("٢").wait_for()
    assert params(page.url)["q"] == [QUERY]
    assert params(page.url)["per_page"] == ["2"]
    assert page.locator(".hit h2").all_inner_texts() != first_titles

    page.get_by_role("checkbox", name=SOURCE).check()
    if not javascript:  # without the script, the form has its own button
        page.get_by_role("button", name="تطبيق").click()
    page.wait_for_url(lambda url: params(url).get("source") == [SOURCE])
    page.locator("#summary", has_text="نتيجتان").wait_for()
    assert "page" not in params(page.url)  # a new filter starts again at page one
    assert params(page.url)["q"] == [QUERY]
    assert set(page.locator(".hit .source").all_inner_texts()) == {SOURCE}
    # The other sources stay listed, so the reader can switch without clearing first.
    assert page.locator("#facet-source").get_by_role("checkbox").count() == 3
    if javascript:
        focused = page.get_by_role("checkbox", name=SOURCE)
        assert focused.evaluate("r => r === document.activeElement")
    # A second source: results of either.
    page.get_by_role("checkbox", name="أ ف ب").check()
    if not javascript:
        page.get_by_role("button", name="تطبيق").click()
    page.wait_for_url(lambda url: len(params(url).get("source", [])) == 2)
    page.locator("#summary", has_text="٣ نتائج").wait_for()
    if javascript:
        page.go_back()
        page.locator("#summary", has_text="نتيجتان").wait_for()


def test_exclude_a_source_and_set_a_date_range(page, javascript):
    search_for(page, QUERY)
    page.get_by_role("link", name=f"استبعاد {SOURCE}").click()
    page.wait_for_url(lambda url: params(url).get("source_not") == [SOURCE])
    page.locator("#summary", has_text="٣ نتائج").wait_for()
    assert SOURCE not in page.locator(".hit .source").all_inner_texts()
    page.get_by_label("من", exact=True).fill("2023-11-01")
    if not javascript:
        page.get_by_role("button", name="تطبيق").click()
    page.wait_for_url(lambda url: params(url).get("from") == ["2023-11-01"])
    page.locator("#summary", has_text="لا نتائج").wait_for()  # 002 and 004 are the source's
    assert params(page.url)["source_not"] == [SOURCE]


@pytest.mark.parametrize("scripted", [True, False], ids=["js", "no-js"])
def test_on_a_phone_the_first_result_is_on_the_first_screen(browser, crowded_server, scripted):
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        java_script_enabled=scripted,
        base_url=crowded_server,
    )
    page = context.new_page()
    page.goto(f"/?q={QUERY}&facet_limit=30")
    assert page.locator("#facet-source .value").count() == 30  # every facet is long here
    assert page.locator("#facet-tag .value").count() == 30
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"crowded-phone-{'js' if scripted else 'no-js'}.png")
    first = page.locator(".hit").first.locator("h2").bounding_box()
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert first["y"] + first["height"] <= PHONE["height"]  # seen without scrolling
    assert width <= PHONE["width"], "the page scrolls sideways"


def test_follow_a_result_to_the_highlighted_article(page):
    search_for(page, QUERY)
    link = page.locator(".hit h2 a").first
    title = link.inner_text()
    link.click()
    page.wait_for_url("**/articles/**")
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert page.locator(".article .body mark").count() > 3
    assert page.locator(".article .body mark").first.inner_text().endswith(QUERY)
    page.get_by_role("link", name="العودة إلى نتائج").click()
    page.wait_for_url(lambda url: params(url).get("q") == [QUERY])


def test_suggestion_and_empty_state(page):
    search_for(page, "كورياتت")
    assert summary(page).startswith("لا نتائج")
    page.get_by_text("تحقّق من الإملاء").wait_for()
    page.locator(".suggestion a").click()
    page.wait_for_url(lambda url: params(url).get("q") == [QUERY])
    assert page.locator(".hit").count() == 2


def _shoot(browser, server, name: str, viewport: dict, **options) -> Path:
    context = browser.new_context(viewport=viewport, base_url=server, **options)
    page = context.new_page()
    page.goto(f"/?q={QUERY}&per_page=3")
    page.locator(".hit mark").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    context.close()
    assert width <= viewport["width"], "the page scrolls sideways"
    return path


def test_screenshots(browser, server):
    """Results at desktop and phone widths, light and dark, for a person to look at."""
    shots = [
        _shoot(browser, server, "results-desktop", DESKTOP),
        _shoot(browser, server, "results-phone", PHONE, device_scale_factor=2, is_mobile=True),
        _shoot(browser, server, "results-desktop-dark", DESKTOP, color_scheme="dark"),
    ]
    assert all(shot.stat().st_size > 10_000 for shot in shots)


def test_keyboard_reaches_a_visible_skip_link_with_a_focus_ring(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="تخطَّ إلى المحتوى")
    assert skip.evaluate("a => a === document.activeElement")
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0
    assert skip.evaluate("a => getComputedStyle(a).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.fixture
def scripted(browser, server):
    """A fresh page with JavaScript on (the suggestions need it); fails on console errors."""
    yield from watched_page(browser, server, javascript=True)


def test_suggestions_as_you_type_are_a_keyboard_combobox(scripted):
    page = scripted
    page.goto("/")
    box = page.get_by_role("combobox", name="كلمات البحث")
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("اوس", delay=30)  # typed as a reader types, never held up
    listbox = page.get_by_role("listbox", name="اقتراحات البحث")
    listbox.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "q-suggestions"
    assert box.input_value() == "اوس"
    options = listbox.get_by_role("option")
    assert options.first.inner_text() == "أوستن"  # as the articles write it, not folded
    page.locator("#q-status", has_text="اقتراحات").wait_for()
    box.press("ArrowDown")
    box.press("ArrowDown")
    second = options.nth(1)
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    assert second.get_attribute("aria-selected") == "true"
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert not listbox.is_visible()
    assert box.input_value() == "اوس"  # Escape closes the list and keeps the text
    box.press("ArrowDown")  # reopens on the first suggestion
    assert box.get_attribute("aria-expanded") == "true"
    box.press("Enter")
    page.wait_for_url(lambda url: params(url).get("q") == ["أوستن"])
    assert summary(page).startswith("٤ نتائج")


def test_a_suggested_title_is_chosen_with_the_pointer(scripted):
    page = scripted
    page.goto("/")
    box = page.get_by_role("combobox", name="كلمات البحث")
    box.press_sequentially("بلينكن يعب", delay=20)
    title = page.get_by_role("option").filter(has_text="عنوان").first
    title.wait_for()
    text = title.locator(".text").inner_text()
    assert text.startswith("بلينكن يعبر عن قلقه")
    title.click()
    page.wait_for_url(lambda url: params(url).get("q") == [text])
    assert page.locator(".hit h2").first.inner_text() == text


def test_the_page_with_open_suggestions_passes_axe(scripted):
    """axe-core (bundled, pinned, run offline) finds no violation on the search page with
    its suggestions open and one chosen with the arrow keys, nor on a results page."""
    from axe_playwright_python.sync_playwright import Axe

    page = scripted
    page.goto("/")
    box = page.get_by_role("combobox", name="كلمات البحث")
    box.press_sequentially("كوريا الش", delay=20)
    page.get_by_role("listbox").wait_for()
    box.press("ArrowDown")
    found = Axe().run(page)
    assert found.violations_count == 0, found.generate_report()
    search_for(page, QUERY)
    found = Axe().run(page)
    assert found.violations_count == 0, found.generate_report()
