"""The web app and the report in a real browser: Playwright driving Debian's chromium, headless.

The app is the real ``newstrail serve`` on 127.0.0.1 over the analyzed sample corpus (plus a
hostile article). Screenshots of every step land in each test's temporary folder. The tests
skip only when /usr/bin/chromium is missing (``make system-deps`` installs it as root).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from test_web import EVIL_SCRIPT, analyze_sample, serving

from newstrail.report import write_html
from newstrail.store import open_store

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"chromium not found at {CHROMIUM}: run `make system-deps` as root (apt-get install chromium) "
           "to run the browser tests",
)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    return analyze_sample(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def base(sample_db) -> Iterator[str]:
    with serving(sample_db) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


class Watch:
    """What a page did that it should not: dialogs, uncaught errors, requests off the machine."""

    def __init__(self, page: Page) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))


@pytest.fixture()
def page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.watch = Watch(pg)  # type: ignore[attr-defined]
    yield pg
    context.close()


def shot(page: Page, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


def test_story_to_article_to_speaker(page, base, tmp_path):
    page.goto(base + "/stories")
    shot(page, tmp_path, "1-stories")
    page.get_by_role("link", name="Kessling port strike").first.click()
    page.wait_for_url("**/stories/s-strike")
    assert page.locator("svg.timeline circle").count() > 0  # the articles-over-time timeline
    shot(page, tmp_path, "2-story")
    # An article of the story that has an attributed quote.
    links = page.locator("ol.articles a[href^='/articles/']")
    for i in range(links.count()):
        with page.expect_navigation():
            links.nth(i).click()
        if page.locator("a.quote").count():
            break
        page.go_back()
    quote = page.locator("a.quote").first
    assert quote.is_visible()
    shot(page, tmp_path, "3-article")
    expected = quote.get_attribute("title").split(" (")[0]
    with page.expect_navigation():
        quote.click()
    assert "/speakers/" in page.url
    assert page.locator("h1").inner_text() == expected
    assert page.locator("blockquote.quote-item").count() >= 1
    shot(page, tmp_path, "4-speaker")
    assert not page.watch.errors and not page.watch.dialogs


def test_search_with_an_outlet_filter(page, base, tmp_path):
    page.goto(base + "/search")
    page.get_by_label("Words").fill("port")
    page.get_by_label("Outlet").select_option("Northfield Courier")
    with page.expect_navigation():
        page.get_by_label("Words").press("Enter")
    assert "outlet=Northfield" in page.url
    hits = page.locator("ol.hits li.hit")
    assert hits.count() > 0
    for i in range(hits.count()):
        assert "Northfield Courier" in hits.nth(i).inner_text()
    assert page.locator("ol.hits mark").count() > 0
    assert page.get_by_label("Outlet").input_value() == "Northfield Courier"  # the form keeps the filter
    shot(page, tmp_path, "search")
    # A malformed query is a message with a hint, not a broken page.
    page.get_by_label("Words").fill('"port')
    with page.expect_navigation():
        page.get_by_label("Words").press("Enter")
    assert "Hint" in page.get_by_role("alert").inner_text()
    shot(page, tmp_path, "search-error")


def test_keyboard_only_from_article_to_speaker(page, base, sample_db, tmp_path):
    with open_store(sample_db) as store:
        article_id = next(q.article_id for q in store.iter_quotes() if q.speaker_id and q.section == "body"
                          and not q.article_id.startswith("evil"))
    page.goto(f"{base}/articles/{article_id}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('quote')"):
            break
    else:
        pytest.fail("no highlighted quote could be reached with Tab")
    shot(page, tmp_path, "keyboard-focus")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/speakers/" in page.url


@pytest.mark.parametrize("width", [360])
def test_narrow_screens_do_not_scroll_sideways(browser, base, sample_db, tmp_path, width):
    with open_store(sample_db) as store:
        speaker = next(store.iter_speakers()).id
        article = next(a.id for a in store.iter_articles() if not a.id.startswith("evil"))
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    for name, path in [("index", "/"), ("stories", "/stories"), ("story", "/stories/s-strike"),
                       ("speakers", "/speakers"), ("speaker", f"/speakers/{speaker}"),
                       ("article", f"/articles/{article}"), ("search", "/search?q=port"), ("trails", "/trails"),
                       ("trail", "/trails/t-1")]:
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (path, overflow)
        shot(page, tmp_path, f"narrow-{name}")
    context.close()


def _assert_inert(page: Page, where: str) -> None:
    """Nothing from an article became markup: no script ran, no handler or javascript: link exists."""
    assert page.evaluate("typeof window.__pwned") == "undefined", where
    assert page.title() != "PWNED", where
    assert page.locator("script").count() == 0, where
    assert page.locator("[onmouseover], [onerror], img[src='x']").count() == 0, where
    assert page.locator("a[href^='javascript' i]").count() == 0, where
    assert not page.watch.dialogs and not page.watch.errors, (where, page.watch.dialogs, page.watch.errors)


def test_hostile_article_text_stays_text_on_every_page(page, base, tmp_path):
    paths = ["/articles/evil-1", "/articles/evil-2", "/stories/s-strike", "/trails/t-evil", "/trails/t-1",
             "/trails", "/articles", "/stories", "/", "/search?q=port", "/search?q=open&target=articles",
             "/search?q=reopen"]
    speaker = page.request.get(base + "/articles/evil-2.json").json()["quotes"][0]["speaker_href"]
    paths.append(speaker)
    for path in paths:
        page.goto(base + path)
        _assert_inert(page, path)
    page.goto(base + "/articles/evil-2")
    assert EVIL_SCRIPT in page.locator("main").inner_text()  # shown to the reader as the text it was
    page.get_by_text("Show the 2 pieces").click()  # the removed boilerplate, opened
    _assert_inert(page, "evil-2 boilerplate")
    shot(page, tmp_path, "hostile-article")
    # Hovering the attribute-breaking quote fires nothing.
    page.locator(".quote").first.hover()
    _assert_inert(page, "hover")


def test_report_is_offline_and_inert(page, sample_db, tmp_path):
    with open_store(sample_db) as store:
        report = write_html(store, tmp_path / "report.html")
    page.goto(report.as_uri())
    _assert_inert(page, "report")
    assert all(url.startswith("file:") for url in page.watch.requests), page.watch.requests
    text = page.locator("body").inner_text()
    assert EVIL_SCRIPT in text
    for heading in ("Corpus overview", "Timelines", "Stories", "Speakers", "Quote trails", "Articles"):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1, heading
    assert page.locator("svg.timeline").count() == 2
    shot(page, tmp_path, "report")
