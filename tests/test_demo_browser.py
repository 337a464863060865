"""`deskbot demo` in headless Chromium: a typed command answers with its chart; the replay posts in #auctions."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.demo.run import Demo, start_demo
from market.tz import DESK_TZ

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
REQUIRE_BROWSER = os.environ.get("DESKBOT_REQUIRE_BROWSER") == "1"
# Flags a root, offline, headless Chromium needs here (no sandbox, no background calls home).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo half an hour before the 10y briefing of 2025-04-09, ten desk minutes per real second."""
    started = start_demo(
        speed=600, workdir=tmp_path_factory.mktemp("demo"), start=datetime(2025, 4, 9, 11, 30, tzinfo=DESK_TZ)
    )
    yield started
    started.stop()


@pytest.fixture(scope="module")
def page(demo: Demo):  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (Debian package chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(demo.url)
        yield page
        browser.close()


def _screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def _wait_until_drawn(image) -> None:  # type: ignore[no-untyped-def]
    """Until the browser has loaded and decoded the chart's PNG (a broken image has no natural width)."""
    image.wait_for(state="visible", timeout=30_000)
    image.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())


def _desk_now(page) -> datetime:  # type: ignore[no-untyped-def]
    """The replay's clock as the page keeps it (the bot's, started together), stopped at the replay's end."""
    seconds = page.evaluate(
        """() => { const c = state.clock; const s = c.desk_start + (Date.now() / 1000 - c.real_start) * c.speed;
        return c.desk_end ? Math.min(s, c.desk_end) : s; }"""
    )
    return datetime.fromtimestamp(seconds, DESK_TZ)


def test_typing_yields_30y_shows_the_answer_and_its_chart(page):
    page.wait_for_selector(".channel.active:has-text('rates-desk')")

    page.fill("#input", "/yields 30y")
    page.press("#input", "Enter")

    page.wait_for_selector("#messages img.chart", timeout=30_000)
    text = page.inner_text("#messages")
    assert "/yields 30y" in text
    assert "30y Treasury — close 2025-04-08 (Tue)" in text  # at noon on 04-09 the latest close is 04-08's
    assert "30y 4.71%" in text
    _screenshot(page, "demo-rates-desk-yields-30y.png")
    chart = page.locator("#messages img.chart").last
    _wait_until_drawn(chart)
    assert chart.get_attribute("alt").startswith("30y Treasury yield, ")  # the chart's title, with its dates
    chart.screenshot(path=str(ARTIFACTS / "demo-yields-30y-chart.png"))


def test_help_is_only_visible_to_the_asker(page):
    page.fill("#input", "/deskbot help")
    page.press("#input", "Enter")

    page.wait_for_selector(".msg.ephemeral", timeout=30_000)
    assert "Only visible to you" in page.inner_text(".msg.ephemeral")
    assert "deskbot: Treasury desk commands" in page.inner_text(".msg.ephemeral")


def test_the_10y_briefing_and_its_flash_in_the_thread_appear_in_auctions(page):
    page.click(".channel:has-text('auctions')")

    page.wait_for_selector("#messages .block-header:has-text('10-year auction today')", timeout=60_000)
    page.wait_for_selector(
        ".thread .block-header:has-text('Result: 10-year auction 2025-04-09: strong')", timeout=90_000
    )
    thread = page.inner_text(".thread")
    assert "4.435%" in thread and "2.67x" in thread and "10.7%" in thread
    page.wait_for_selector("#messages > .msg:has-text('details in the thread')", timeout=30_000)
    assert page.locator(".thread img.chart").count() >= 1
    _screenshot(page, "demo-auctions-10y-briefing-and-flash.png")


def test_typing_auction_10y_history_shows_its_chart(page):
    """After the 10y of 2025-04-09 has printed (the test above waits for its flash)."""
    page.click(".channel:has-text('rates-desk')")
    page.fill("#input", "/auction 10y history")
    page.press("#input", "Enter")

    chart = page.locator("#messages img.chart[alt^='10-year auctions, ']").last
    _wait_until_drawn(chart)
    text = page.inner_text("#messages")
    assert "10-year auctions: last 18 through 2025-04-09" in text
    assert chart.get_attribute("alt") == (
        "10-year auctions, 8 Nov 2023 – 9 Apr 2025: high yield, high − median, bid-to-cover, bidder shares"
    )
    assert chart.evaluate("img => img.naturalWidth") == 960
    chart.scroll_into_view_if_needed()
    _screenshot(page, "demo-rates-desk-auction-10y-history.png")
    chart.screenshot(path=str(ARTIFACTS / "demo-auction-10y-history-chart.png"))


def test_typing_auction_10y_shows_its_comparison_as_a_table_at_the_bottom_of_the_answer(page):
    """After the 10y of 2025-04-09 has printed: the table block is drawn as a table, figures right-aligned."""
    page.click(".channel:has-text('rates-desk')")
    page.fill("#input", "/auction 10y")
    page.press("#input", "Enter")

    table = page.locator("#messages .msg:has(.block-header:has-text('10-year auction 2025-04-09')) table.block-table")
    table.last.wait_for(state="visible", timeout=30_000)
    table = table.last
    assert table.locator("th").all_inner_texts() == ["figure", "this", "avg 6", "range 6"]
    cover = table.locator("tr:has(td:text-is('Bid-to-cover')) td")
    assert cover.all_inner_texts() == ["Bid-to-cover", "2.67x", "2.56x", "2.48x – 2.70x"]
    assert table.locator("tr:has(td:text-is('Dealers')) td").nth(1).inner_text() == "10.7%"
    assert cover.nth(1).evaluate("td => getComputedStyle(td).textAlign") == "right"
    assert cover.nth(0).evaluate("td => getComputedStyle(td).textAlign") == "left"
    # As in Slack, the table comes last in its message, after the source line.
    assert table.evaluate("t => t.nextElementSibling === null && !!t.previousElementSibling")
    assert "Source: " in table.evaluate("t => t.previousElementSibling.textContent")
    table.scroll_into_view_if_needed()
    _screenshot(page, "demo-rates-desk-auction-10y-table.png")


def test_the_home_tab_shows_the_desk_at_a_glance_as_of_the_replay_clock(page):
    """Opening Home sends Slack's `app_home_opened`; the view the bot publishes is drawn as Slack draws it."""
    opened = _desk_now(page)
    page.click("#home-link")

    page.wait_for_selector("#messages.home .block-header:has-text('deskbot — the desk at a glance')", timeout=30_000)
    text = page.inner_text("#messages")
    sections = [
        "Curve",
        "Next auctions",
        "Last auction results",
        "Basis-trade stress",
        "Funding",
        "Scheduled posts in your channels",
    ]
    bold = page.locator("#messages .block-section > b").all_inner_texts()
    # Each section's title, in order; some say their date ("Curve — close Tue 2025-04-08").
    titles = [next(name for name in sections if b.startswith(name)) for b in bold if b.startswith(tuple(sections))]
    assert titles == sections
    shown = _desk_now(page)
    as_of = re.search(r"As of \w{3} (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) ET", text)
    assert as_of is not None
    # As of the replay's clock when Home was opened (to the minute), not today's.
    as_of_time = datetime.strptime(as_of.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=DESK_TZ)
    assert opened - timedelta(minutes=1) <= as_of_time <= shown, (opened, as_of_time, shown)
    assert "Not available" not in text  # every section has its data in the replay
    assert "10-year" in text and "SOFR" in text
    assert "#auctions" in text and "briefings (3y, 10y, 30y; 60 min before the close)" in text
    assert page.locator("#messages .block-button:text-is('Manage')").is_visible()  # the demo's user is an admin
    assert not page.locator("#composer").is_visible()  # Home has no message box
    _screenshot(page, "demo-home-tab.png")


def test_the_history_chart_button_under_auction_10y_answers_with_the_chart(page):
    """After the 10y of 2025-04-09 has printed: the button sends `block_actions`; the chart follows."""
    page.click(".channel:has-text('rates-desk')")
    charts = page.locator("#messages img.chart[alt^='10-year auctions, ']")
    before = charts.count()
    page.fill("#input", "/deskbot auction 10y")
    page.press("#input", "Enter")

    answer = page.locator(".msg.ephemeral:has(.block-header:has-text('10-year auction 2025-04-09'))").last
    answer.wait_for(state="visible", timeout=30_000)
    buttons = answer.locator(".block-actions .block-button")
    assert buttons.all_inner_texts() == ["History chart", "Previous auction", "Share in channel"]
    answer.locator(".block-button:text-is('History chart')").click()

    page.wait_for_function(
        "n => document.querySelectorAll(\"#messages img.chart[alt^='10-year auctions, ']\").length > n",
        arg=before,
        timeout=60_000,
    )
    chart = charts.last
    _wait_until_drawn(chart)
    assert chart.get_attribute("alt") == (
        "10-year auctions, 8 Nov 2023 – 9 Apr 2025: high yield, high − median, bid-to-cover, bidder shares"
    )
    assert page.locator("#messages .msg:has-text('10-year auctions: last 18 through 2025-04-09')").count() >= 1
    assert answer.is_visible()  # the answer with the button stays
    # From the buttons down: the button pressed, its answer and the chart.
    answer.locator(".block-actions").evaluate("row => row.scrollIntoView({block: 'start'})")
    _screenshot(page, "demo-history-chart-button.png")


def test_share_in_channel_posts_the_answer_for_the_channel_and_removes_the_private_copy(page):
    """The press's response_url posts for the channel, then `delete_original` removes the message it was on."""
    page.click(".channel:has-text('rates-desk')")
    page.fill("#input", "/auction 10y 2025-03-12")
    page.press("#input", "Enter")
    private = page.locator(".msg.ephemeral:has(.block-header:has-text('10-year auction 2025-03-12'))")
    private.wait_for(state="visible", timeout=30_000)

    private.locator(".block-button:text-is('Share in channel')").click()

    shared = page.locator(".msg[data-kind='bot']:has(.block-header:has-text('10-year auction 2025-03-12'))")
    shared.wait_for(state="visible", timeout=30_000)
    assert "@newcomer shared: " in shared.inner_text()
    assert shared.locator(".block-button").all_inner_texts() == ["History chart", "Previous auction"]
    private.wait_for(state="detached", timeout=10_000)  # the private copy is gone


def test_the_subscription_form_shows_errors_on_its_fields_then_saves_and_confirms(page):
    """`/deskbot subscribe` in #auctions opens the form filled for it; Save sends `view_submission`."""
    page.click(".channel:has-text('auctions')")
    page.fill("#input", "/deskbot subscribe")
    page.press("#input", "Enter")

    modal = page.locator("#modal")
    modal.locator(".modal-head:text-is('Scheduled posts')").wait_for(state="visible", timeout=30_000)
    channel = modal.locator(".field[data-block-id='subscribe_channel'] select")
    assert channel.input_value() == "C0AUCTIONS"
    feeds = modal.locator(".field[data-type='checkboxes'] input[type=checkbox]")
    assert [box.get_attribute("value") for box in feeds.all() if box.is_checked()] == ["briefings", "flash"]
    tenors = modal.locator(".field[data-type='multi_static_select'] select")
    picked = "s => [...s.selectedOptions].map(o => o.value)"
    assert tenors.evaluate(picked) == ["3y", "10y", "30y"]
    assert modal.locator(".field[data-type='number_input'] input").input_value() == "60"
    _screenshot(page, "demo-subscription-modal.png")

    for box in feeds.all():
        box.uncheck()
    tenors.select_option([])
    modal.locator("button.submit").click()

    error = modal.locator(".field[data-type='checkboxes'] .field-error")
    error.wait_for(state="visible", timeout=30_000)
    assert error.inner_text() == "Tick at least one feed."
    assert page.locator("#modal-backdrop").is_visible()  # the form stays open to be corrected
    _screenshot(page, "demo-subscription-modal-error.png")

    modal.locator("input[type=checkbox][value='briefings']").check()
    tenors.select_option(["10y"])
    modal.locator("button.submit").click()

    page.locator("#modal-backdrop").wait_for(state="hidden", timeout=30_000)
    confirmation = page.locator(".msg.ephemeral:has-text('now gets briefings')").last
    confirmation.wait_for(state="visible", timeout=30_000)
    assert "#auctions now gets briefings (tenors 10y; briefings 60 min before the close)" in confirmation.inner_text()
    assert "#auctions no longer gets flash" in confirmation.inner_text()  # shown ticked, unticked: stopped
    _screenshot(page, "demo-subscription-saved.png")


def test_manage_on_home_opens_the_form_and_picking_a_channel_fills_it_with_what_it_gets(page):
    """After the test above: Manage opens the form with no channel; picking #auctions refills it (views.update)."""
    page.click("#home-link")
    page.wait_for_selector("#messages.home :text('briefings (10y; 60 min before the close)')", timeout=30_000)
    page.click("#messages .block-button:text-is('Manage')")

    modal = page.locator("#modal")
    modal.locator(".modal-head:text-is('Scheduled posts')").wait_for(state="visible", timeout=30_000)
    assert modal.locator(".field[data-block-id='subscribe_channel'] select").input_value() == ""
    assert "Pick a channel to see what it gets now." in modal.inner_text()
    modal.locator(".field[data-block-id='subscribe_channel'] select").select_option("C0AUCTIONS")

    modal.locator(".field[data-block-id='subscribe_feeds.C0AUCTIONS']").wait_for(state="visible", timeout=30_000)
    feeds = modal.locator(".field[data-type='checkboxes'] input[type=checkbox]")
    assert [box.get_attribute("value") for box in feeds.all() if box.is_checked()] == ["briefings"]
    assert "#auctions gets now: briefings (10y; 60 min before the close)." in modal.inner_text()
    modal.locator("button.cancel").click()
    page.locator("#modal-backdrop").wait_for(state="hidden", timeout=10_000)


def test_after_friday_evening_the_replay_is_over_and_nothing_of_the_next_week_is_posted(page, tmp_path):
    # Friday 17:30 at 40 desk minutes per second: the clock reaches 19:00 and stops.
    demo = start_demo(speed=2400, workdir=tmp_path, start=datetime(2025, 4, 11, 17, 30, tzinfo=DESK_TZ))
    other = page.context.browser.new_page()  # the same browser (one Playwright per thread), another demo
    try:
        other.goto(demo.url)
        other.wait_for_selector("#clock:has-text('replay over')", timeout=60_000)
        assert "Fri 04-11 19:00 ET" in other.inner_text("#clock")
        other.wait_for_timeout(5_000)  # as long again as a desk weekend would take at this speed
        for channel in other.locator(".channel").all():
            channel.click()
            shown = other.inner_text("#messages")
            assert "04-12" not in shown and "04-13" not in shown and "04-14" not in shown
        _screenshot(other, "demo-replay-over.png")
    finally:
        other.close()
        demo.stop()
