"""Block Kit stays inside Slack's limits whatever a command produces."""

from __future__ import annotations

from bot.demo.slack_workspace import block_problem
from bot.slack_message import message_payload
from charts.specs import LineChart
from commands import blocks
from commands.reply import Reply, Visibility


def test_long_text_is_split_into_sections_without_losing_a_character():
    lines = [f"{tenor:>4}Y {tenor / 100:.3f}%" + " " * 40 for tenor in range(600)]
    text = "\n".join(lines)

    made = blocks.sections(text)

    assert len(made) > 1
    assert all(len(block["text"]["text"]) <= 3000 for block in made)
    assert "\n".join(block["text"]["text"] for block in made) == text
    assert block_problem(made) is None


def test_a_single_overlong_line_is_split_hard():
    line = "x" * 7000
    made = blocks.sections(line)
    assert [len(block["text"]["text"]) for block in made] == [3000, 3000, 1000]
    assert "".join(block["text"]["text"] for block in made) == line


def test_header_is_clipped_to_150_characters_with_an_ellipsis():
    made = blocks.header("Auction results " * 20)
    assert len(made["text"]["text"]) == 150
    assert made["text"]["text"].endswith("…")
    assert block_problem([made]) is None


def test_more_than_50_blocks_keep_49_and_say_how_many_were_left_out():
    many = [blocks.divider() for _ in range(70)]
    fitted = blocks.fit(many)
    assert len(fitted) == 50
    assert fitted[-1]["elements"][0]["text"] == "21 more blocks were left out to fit Slack's message limit."
    assert blocks.fit(many[:50]) == tuple(many[:50])


def test_replies_with_charts_go_to_the_channel():
    chart = LineChart(title="10Y", series=())
    assert message_payload(Reply(text="x"))["response_type"] == "ephemeral"
    assert message_payload(Reply(text="x", charts=(chart,)))["response_type"] == "in_channel"
    assert message_payload(Reply(text="x", visibility=Visibility.IN_CHANNEL))["response_type"] == "in_channel"
    assert "blocks" not in message_payload(Reply(text="x"))
