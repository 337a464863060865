"""Answers that are tables carry one Slack `table` block, inside Slack's limits, with the monospace table in the text.

Each answer is asked offline as the other command tests ask it (shipped history, the recorded
upstream on 127.0.0.1); every table block passes the Slack stand-in's schema check of the
documented fields and limits, and slack_sdk's own model of the block.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block as SdkBlock
from slack_sdk.models.blocks import TableBlock

from bot.delivery import SlackDelivery, retry_handlers
from bot.demo.slack_workspace import RESPONSE_URL, block_problem, table_problem
from bot.text_render import reply_as_text
from commands import blocks
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import answer, build_registry
from commands.registry import Registry
from commands.reply import Reply
from commands.services import Services
from market.dealers.book import DealerBook
from market.funding.book import FundingBook
from market.http import UpstreamClient
from market.publication import day_complete_at
from market.sources.treasury_rates import TreasuryRatesSource
from market.yields.history import YieldHistory
from tests.auction_support import live_book
from tests.harness.stores import sqlite_store
from tests.harness.upstream import RecordedUpstream

FRIDAY_EVENING = datetime(2025, 4, 11, 18, 30, tzinfo=DESK_TZ)


# ---- the answers -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def upstream_server() -> Iterator[RecordedUpstream]:
    with RecordedUpstream() as server:
        yield server


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, upstream_server: RecordedUpstream) -> Registry:
    """Yields, auctions and dealers over the shipped histories; any fetch goes to the recorded upstream."""
    store = sqlite_store(tmp_path_factory.mktemp("tables"))
    client = UpstreamClient(
        "Treasury par yield curve", upstream_server.base_url("treasury_rates"), sleep=lambda _s: None
    )
    return build_registry(
        Services(
            store,
            yields=YieldHistory(store, TreasuryRatesSource(client)),
            auctions=live_book(store, None),
            dealers=DealerBook(store),
        )
    )


@pytest.fixture(scope="module")
def positioning_registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """The funding book with the yields history wired, as the bot builds it (see tests/test_positioning.py)."""
    store = sqlite_store(tmp_path_factory.mktemp("positioning"))
    return build_registry(Services(store, funding=FundingBook(store, closes=YieldHistory(store).closes)))


def ask(registry: Registry, text: str, now: datetime = FRIDAY_EVENING) -> Reply:
    return answer(text, CommandContext(now=now, user_id="U0TRADER", channel_id="C0DESK"), registry)


def the_table(reply: Reply) -> dict[str, Any]:
    """The reply's one table block, checked against Slack's documented schema and slack_sdk's model."""
    tables = [block for block in reply.blocks if block["type"] == "table"]
    assert len(tables) == 1, [block["type"] for block in reply.blocks]
    assert block_problem(list(reply.blocks)) is None
    assert table_problem(tables[0]) is None
    parsed = SdkBlock.parse(tables[0])
    assert isinstance(parsed, TableBlock)
    parsed.validate_json()
    assert parsed.to_dict() == tables[0]
    return tables[0]


def header_of(table: dict[str, Any]) -> list[str]:
    return blocks.table_cells(table)[0]


def body_of(table: dict[str, Any]) -> list[list[str]]:
    return blocks.table_cells(table)[1:]


def aligned_right(table: dict[str, Any]) -> list[bool]:
    return [setting.get("align") == "right" for setting in table["column_settings"]]


def in_fallback(reply: Reply, row: list[str]) -> bool:
    """A line of the fallback text shows the row's figures in the same order (an empty cell shows nothing)."""
    shown = [cell for cell in row if cell != blocks.EMPTY_CELL]
    for line in reply.text.splitlines():
        position = 0
        for cell in shown:
            position = line.find(cell, position)
            if position < 0:
                break
            position += len(cell)
        else:
            return True
    return False


def test_auction_10y_compares_with_the_prior_six_in_a_table(registry):
    reply = ask(registry, "auction 10y 2025-04-09")
    table = the_table(reply)

    assert header_of(table) == ["figure", "this", "avg 6", "range 6"]
    assert aligned_right(table) == [False, True, True, True]
    assert table["column_settings"][0] == {"is_wrapped": True}
    rows = body_of(table)
    assert rows[:2] == [
        ["Bid-to-cover", "2.67x", "2.56x", "2.48x – 2.70x"],
        ["Dealers", "10.7%", "13.8%", "10.5% – 15.6%"],
    ]
    assert [row[0] for row in rows] == ["Bid-to-cover", "Dealers", "Indirects", "Directs", "High − median"]
    assert all(in_fallback(reply, row) for row in rows)
    # The fallback text keeps the monospace table; no code block is left among the blocks.
    assert "Bid-to-cover       2.67x       2.56x   2.48x – 2.70x" in reply.text.splitlines()
    assert "```" not in json.dumps(reply.blocks)
    assert reply.blocks[-1]["elements"][0]["text"].startswith("Source: Treasury Fiscal Data")


def test_auction_bills_lists_the_week_in_a_table(registry):
    day = date(2025, 4, 10)
    reply = answer("auction bills", CommandContext(now=day_complete_at(day), close_of=day), registry)
    table = the_table(reply)

    assert header_of(table) == ["term", "auction", "high disc %", "cover", "offered $bn"]
    assert aligned_right(table) == [False, False, True, True, True]
    assert body_of(table)[0] == ["13w", "Mon 2025-04-07", "4.175", "2.82x", "76.0"]
    assert len(body_of(table)) == 7
    assert all(in_fallback(reply, row) for row in body_of(table))
    assert [block["type"] for block in reply.blocks][:3] == ["header", "table", "context"]


def test_yields_30y_shows_its_windows_in_a_table(registry):
    reply = ask(registry, "yields 30y --as-of 2025-04-11")
    table = the_table(reply)

    assert header_of(table) == ["30y window", "move", "pctile", "largest since"]
    assert aligned_right(table) == [False, True, True, False]
    rows = body_of(table)
    assert ["Fri-Fri", "+44 bp", "99.3", "resumed 2006-02-10; before: 1987-04-24"] in rows
    assert ["5 days", "+44 bp", "99.3", "2020-03-18 (+47 bp)"] in rows
    assert all(in_fallback(reply, row) for row in rows)
    assert "```" in reply.text  # the windows stay in monospace in the fallback text


def test_yields_of_two_tenors_has_one_table_and_the_second_tenor_in_monospace(registry):
    reply = ask(registry, "yields 10y 30y --as-of 2025-04-11")
    table = the_table(reply)

    assert header_of(table) == ["10y window", "move", "pctile", "largest since"]
    assert ["Fri-Fri", "+47 bp", "99.4", "2001-11-16 (+57 bp)"] in body_of(table)
    monospace = [b["text"]["text"] for b in reply.blocks if b["type"] == "section" and "```" in b["text"]["text"]]
    assert len(monospace) == 1 and monospace[0].startswith("*30y* 4.85% — ")
    assert "Fri-Fri      +44 bp    99.3  resumed 2006-02-10; before: 1987-04-24" in monospace[0]


def test_yields_overview_has_the_closes_as_a_table_and_the_spreads_in_monospace(registry):
    reply = ask(registry, "yields --as-of 2025-04-11")
    table = the_table(reply)

    assert header_of(table) == ["tenor", "close", "1d bp", "1w bp", "1m bp", "YTD bp"]
    assert aligned_right(table) == [False, True, True, True, True, True]
    assert ["30y", "4.85%", "−1", "+44", "+26", "+7"] in body_of(table)
    assert all(in_fallback(reply, row) for row in body_of(table))
    spreads = [b for b in reply.blocks if b["type"] == "section" and b["text"]["text"].startswith("*Spreads")]
    assert "2s10s    +52" in spreads[0]["text"]["text"]


def test_curve_changes_are_a_table(registry):
    reply = ask(registry, "curve --as-of 2025-04-11")
    table = the_table(reply)

    assert header_of(table) == ["tenor", "2025-04-11", "2025-04-04", "2025-03-11", "bp vs 04-04", "bp vs 03-11"]
    assert aligned_right(table) == [False, True, True, True, True, True]
    assert ["30y", "4.85%", "4.41%", "4.59%", "+44", "+26"] in body_of(table)
    assert [row[0] for row in body_of(table)][-3:] == ["10y", "20y", "30y"]
    assert all(in_fallback(reply, row) for row in body_of(table))


def test_dealers_buckets_are_a_table(registry):
    reply = ask(registry, "dealers 2025-04-17", datetime(2025, 6, 2, 12, 0, tzinfo=DESK_TZ))
    table = the_table(reply)

    assert header_of(table) == ["bucket", "net $bn", "w/w", "4w", "pct"]
    assert aligned_right(table) == [False, True, True, True, True]
    rows = body_of(table)
    assert rows[0] == ["Bills", "66.0", "−13.0", "−29.5", "83.4th"]
    assert rows[-1] == ["Total", "407.0", "−1.7", "+1.1", "99th"]
    assert len(rows) == 11
    assert all(in_fallback(reply, row) for row in rows)


def test_dealers_bucket_not_yet_reported_says_so_in_its_row(registry):
    reply = ask(registry, "dealers 2015-01-08", datetime(2015, 2, 2, 12, 0, tzinfo=DESK_TZ))
    rows = body_of(the_table(reply))

    missing = [row for row in rows if row[1].startswith("not reported before")]
    assert missing and all(row[2:] == [blocks.EMPTY_CELL] * 3 for row in missing)
    assert all(in_fallback(reply, row) for row in rows)


def test_basis_positioning_by_contract_is_a_table(positioning_registry):
    reply = ask(positioning_registry, "basis positioning 2025-04-11", datetime(2025, 4, 14, 9, tzinfo=DESK_TZ))
    table = the_table(reply)

    assert header_of(table) == ["contract", "net (contracts)", "w/w change", "z (3y)", "pct"]
    assert aligned_right(table) == [False, True, True, True, True]
    assert ["10y (TY)", "−1,873,687", "−233,274", "−1.3", "97.7th"] in body_of(table)
    assert len(body_of(table)) == 6
    assert all(in_fallback(reply, row) for row in body_of(table))
    assert "`10y (TY)               −1,873,687       −233,274    −1.3   97.7th`" in reply.text.splitlines()


def test_the_terminal_prints_the_table_in_monospace_where_it_stands(registry):
    shown = reply_as_text(ask(registry, "auction 10y 2025-04-09")).splitlines()

    start = shown.index("    figure            this    avg 6            range 6")
    assert shown[start + 1] == "    Bid-to-cover     2.67x    2.56x      2.48x – 2.70x"
    assert shown[start + 2] == "    Dealers          10.7%    13.8%      10.5% – 15.6%"
    assert shown[start + 6].startswith("91282CMM0 · reopening")  # the details follow the table


# ---- the builder ---------------------------------------------------------------------------------------


def test_a_table_right_aligns_numeric_columns_and_wraps_the_others():
    made = blocks.table(
        ["tenor", "close", "note"], [["10y", "4.48%", ""], ["30y", "4.85%", "record"]], [False, True, False]
    )

    assert made == {
        "type": "table",
        "column_settings": [{"is_wrapped": True}, {"align": "right"}, {"is_wrapped": True}],
        "rows": [
            [
                {"type": "raw_text", "text": "tenor"},
                {"type": "raw_text", "text": "close"},
                {"type": "raw_text", "text": "note"},
            ],
            [
                {"type": "raw_text", "text": "10y"},
                {"type": "raw_text", "text": "4.48%"},
                {"type": "raw_text", "text": "—"},
            ],
            [
                {"type": "raw_text", "text": "30y"},
                {"type": "raw_text", "text": "4.85%"},
                {"type": "raw_text", "text": "record"},
            ],
        ],
    }
    assert blocks.table_lines(made) == ["tenor  close  note", "10y    4.48%  —", "30y    4.85%  record"]


def test_short_rows_are_filled_and_long_ones_cut_to_the_header():
    made = blocks.table(["a", "b"], [["1"], ["1", "2", "3"]], [True, True])
    assert blocks.table_cells(made) == [["a", "b"], ["1", "—"], ["1", "2"]]


def test_flags_must_match_the_columns():
    with pytest.raises(ValueError):
        blocks.table(["a", "b"], [], [True])


def test_beyond_100_rows_the_first_98_are_kept_and_a_last_row_says_how_many_were_left_out():
    rows = [[f"{i}", f"{i / 100:.2f}"] for i in range(150)]
    made = blocks.table(["n", "value"], rows, [False, True])

    cells = blocks.table_cells(made)
    assert len(cells) == blocks.MAX_TABLE_ROWS == 100
    assert cells[1] == ["0", "0.00"] and cells[98] == ["97", "0.97"]
    assert cells[-1] == ["52 more rows left out", "…"]
    assert table_problem(made) is None


def test_99_rows_under_the_header_fit_exactly():
    rows = [[f"{i}"] for i in range(99)]
    assert blocks.table_cells(blocks.table(["n"], rows, [True]))[1:] == rows


def test_past_10000_characters_the_rows_that_fit_are_kept():
    rows = [["x" * 200, "y" * 200] for _ in range(60)]
    made = blocks.table(["a", "b"], rows, [False, False])

    cells = blocks.table_cells(made)
    assert sum(len(text) for row in cells for text in row) <= blocks.MAX_TABLE_CHARS
    assert cells[-1] == [f"{60 - (len(cells) - 2)} more rows left out", "…"]
    assert len(cells) == 1 + 24 + 1  # the header, 24 rows of 400 characters, the note
    assert table_problem(made) is None


def test_a_long_cell_is_cut_with_an_ellipsis():
    made = blocks.table(["note"], [["z" * 1000]], [False])
    text = blocks.table_cells(made)[1][0]
    assert len(text) == blocks.MAX_TABLE_CELL_CHARS and text.endswith("…")


def test_beyond_20_columns_the_first_19_are_kept_and_the_last_says_how_many_were_left_out():
    header = [f"c{i}" for i in range(25)]
    made = blocks.table(header, [[str(i) for i in range(25)]], [True] * 25)

    cells = blocks.table_cells(made)
    assert len(cells[0]) == blocks.MAX_TABLE_CELLS == 20
    assert cells[0][-1] == "6 more columns left out" and cells[1][-1] == "…"
    assert cells[1][:19] == [str(i) for i in range(19)]
    assert len(made["column_settings"]) == 20 and made["column_settings"][-1] == {"is_wrapped": True}
    assert table_problem(made) is None


def test_a_message_keeps_one_table_and_shows_any_other_in_monospace():
    first = blocks.table(["tenor", "close"], [["10y", "4.48%"]], [False, True])
    second = blocks.table(["spread", "bp"], [["2s10s", "+52"]], [False, True])
    assert block_problem([first, second]) == "invalid_attachments"

    fitted = blocks.fit([blocks.header("Curve"), first, second])

    assert [block["type"] for block in fitted] == ["header", "table", "section"]
    assert fitted[2]["text"]["text"] == "```\nspread   bp\n2s10s   +52\n```"
    assert block_problem(list(fitted)) is None


def test_more_than_50_blocks_keep_the_table_within_the_limit():
    table = blocks.table(["a"], [["1"]], [True])
    fitted = blocks.fit([blocks.header("x"), table, *[blocks.divider() for _ in range(60)]])
    assert len(fitted) == blocks.MAX_BLOCKS and fitted[1] == table
    assert block_problem(list(fitted)) is None


def test_a_note_added_to_a_reply_keeps_its_one_table():
    reply = Reply(text="x", blocks=blocks.fit([blocks.table(["a"], [["1"]], [True])]))
    noted = reply.with_note("As of 2025-04-11 18:30 ET.")
    assert [block["type"] for block in noted.blocks] == ["table", "context"]


# ---- posting ---------------------------------------------------------------------------------------------


def _two_tables() -> Reply:
    """A reply built around `fit`, with two tables: Slack refuses it as `invalid_attachments`."""
    first = blocks.table(["tenor", "close"], [["10y", "4.48%"]], [False, True])
    second = blocks.table(["spread", "bp"], [["2s10s", "+52"]], [False, True])
    return Reply(text="10y 4.48%, 2s10s +52", blocks=(blocks.header("Curve"), first, second))


def test_a_table_slack_refuses_in_a_channel_post_is_posted_as_text(slack):
    delivery = SlackDelivery(WebClient(token=slack.token, base_url=slack.api_url, retry_handlers=retry_handlers()))

    posted = delivery.post_reply("C0DESK", _two_tables())

    assert posted.plain_text is True
    attempts = slack.calls_to("chat.postMessage", delivered_only=False)
    assert [json.loads(a.body).get("blocks") is not None for a in attempts] == [True, False]


def test_a_table_slack_refuses_on_the_response_url_is_sent_as_text(slack):
    delivery = SlackDelivery(WebClient(token=slack.token, base_url=slack.api_url, retry_handlers=retry_handlers()))

    assert delivery.respond(slack.response_url("t"), _two_tables(), "C0DESK") is True

    sent = slack.calls_to(RESPONSE_URL)
    assert [call.params.get("blocks") is not None for call in sent][-1] is False
    assert sent[-1].params["text"] == "10y 4.48%, 2s10s +52"


# ---- the schema check ----------------------------------------------------------------------------------


def _cell(text: str) -> dict[str, str]:
    return {"type": "raw_text", "text": text}


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        ({"type": "table", "rows": []}, "rows must hold 1-100 rows"),
        ({"type": "table", "rows": [[_cell("a")]] * 101}, "rows must hold 1-100 rows"),
        ({"type": "table", "rows": [[_cell("a")] * 21]}, "a row must hold 1-20 cells"),
        ({"type": "table", "rows": [[_cell("")]]}, "a raw_text cell needs text and nothing else"),
        ({"type": "table", "rows": [[{"type": "mrkdwn", "text": "a"}]]}, "a cell cannot be 'mrkdwn'"),
        ({"type": "table", "rows": [[{"type": "rich_text", "elements": []}]]}, "a rich_text cell needs elements"),
        ({"type": "table", "rows": [[_cell("a")]], "caption": "x"}, "unknown fields ['caption']"),
        (
            {"type": "table", "rows": [[_cell("a")]], "column_settings": [{"align": "middle"}]},
            "align must be left, center or right",
        ),
        (
            {"type": "table", "rows": [[_cell("a")]], "column_settings": [{"is_wrapped": "yes"}]},
            "is_wrapped must be true or false",
        ),
        (
            {"type": "table", "rows": [[_cell("a")]], "column_settings": [{"align": "right"}] * 21},
            "column_settings must hold at most 20 items",
        ),
        (
            {"type": "table", "rows": [[_cell("x" * 5000), _cell("y" * 5001)]]},
            "more than 10,000 characters in the cells",
        ),
    ],
)
def test_the_stand_in_refuses_what_the_table_reference_forbids(block, problem):
    assert table_problem(block) == problem
    assert block_problem([block]) == "invalid_blocks"


def test_the_stand_in_accepts_the_documented_table_with_rich_text_cells_and_null_settings():
    rich = {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "b"}]}],
    }
    block = {
        "type": "table",
        "block_id": "t1",
        "column_settings": [None, {"align": "center", "is_wrapped": False}],
        "rows": [[_cell("a"), rich]],
    }
    assert table_problem(block) is None
    assert blocks.table_cells(block) == [["a", "b"]]
