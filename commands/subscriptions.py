"""`subscribe`, `unsubscribe`, `subscriptions` and `schedule`: what the bot posts on its own, and where."""

from __future__ import annotations

import re
from datetime import timedelta

from commands import blocks
from commands.auctions import parse_tenor
from commands.context import CommandContext
from commands.options import clip_word, split_options, today
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Outcome, Reply
from commands.schedule.model import (
    DEFAULT_LEAD_MINUTES,
    DEFAULT_TENORS,
    MAX_LEAD_MINUTES,
    Feed,
    Subscription,
)
from commands.schedule.plan import plan_posts
from commands.schedule.wording import subscribed_text, unsubscribed_text
from commands.services import ScheduleServices
from commands.subscription_form import subscription_view
from market.tz import DESK_TZ

SCHEDULE_DAYS = 7
_CHANNEL_MENTION = re.compile(r"^<#(?P<id>[CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


def subscription_commands(services: ScheduleServices) -> list[Command]:
    return [
        _subscribe(services),
        _unsubscribe(services),
        _subscriptions(services),
        _schedule(services),
    ]


def _channel(word: str | None, ctx: CommandContext, command: Command) -> str:
    if word is None or word.lower() in ("here", "this"):
        if ctx.channel_id is None:
            raise UsageError("Name the channel, e.g. `#rates-desk`.", command)
        return ctx.channel_id
    match = _CHANNEL_MENTION.match(word)
    if match:
        return match.group("id")
    if _CHANNEL_ID.match(word):
        return word
    raise UsageError(
        f"`{word[:40]}` is not a channel I can read: pick it from Slack's #-autocomplete, or say `here`.", command
    )


def _feeds(words: list[str], command: Command) -> list[Feed]:
    feeds: list[Feed] = []
    for word in words:
        try:
            feed = Feed(word.lower())
        except ValueError:
            known = "|".join(f.value for f in Feed)
            raise UsageError(f"`{word[:30]}` is not a feed; choose from {known}.", command) from None
        if feed not in feeds:
            feeds.append(feed)
    if not feeds:
        raise UsageError("Say what to subscribe to: " + "|".join(f.value for f in Feed) + ".", command)
    return feeds


def _refusal(text: str) -> Reply:
    return Reply(text=text, blocks=blocks.fit(blocks.sections(text)), outcome=Outcome.USAGE_ERROR)


def _check_rights(services: ScheduleServices, ctx: CommandContext) -> Reply | None:
    if services.slack is None:
        return _refusal(":no_entry: Subscriptions can only be changed from Slack.")
    if not services.slack.may_change_subscriptions(ctx.user_id):
        return _refusal(
            ":no_entry: Only deskbot admins (the configured list, or workspace admins and owners) "
            "can change subscriptions. Nothing was changed."
        )
    return None


def _subscribe(services: ScheduleServices) -> Command:
    command: Command

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        if not args.words and services.slack is not None:
            return _form_reply(services, ctx)  # nothing typed: the form, for the channel it was typed in
        options = split_options(args.words, command, value_flags=frozenset(), pair_keys=frozenset({"tenors", "lead"}))
        words = list(options.positionals)
        channel_word = words.pop(0) if words and not _is_feed(words[0]) else None
        channel = _channel(channel_word, ctx, command)
        feeds = _feeds(words, command)
        tenors = _tenors(options.pairs.get("tenors"), command)
        lead = _lead(options.pairs.get("lead"), command)
        if refusal := _check_rights(services, ctx):
            return refusal
        assert services.slack is not None
        if problem := services.slack.bot_channel_problem(channel):
            return _refusal(f":warning: {problem} Nothing was changed.")
        for feed in feeds:
            services.store.put(Subscription(channel, feed, tenors, lead, created_by=ctx.user_id or ""))
        text = subscribed_text(channel, feeds, tenors, lead, ctx.slash_command)
        return Reply(text=text, blocks=blocks.fit(blocks.sections(text)))

    command = Command(
        name="subscribe",
        summary="Post briefings, result flashes, summaries or alerts to a channel (admins only).",
        usage="subscribe [#channel|here] briefings|flash|daily|weekly|alerts … [tenors=10y,30y] [lead=60m]",
        handler=handle,
        details=(
            "Alone, opens a form to choose them (in Slack). "
            "briefings: a T-1 preview the business day before and a briefing before the competitive close; "
            "flash: the result at the close, in the briefing's thread; daily: a summary at 18:00 ET on business "
            "days; weekly: after the week's last close; alerts: threshold alerts. Default tenors "
            + ", ".join(DEFAULT_TENORS)
            + f"; default lead {DEFAULT_LEAD_MINUTES}m."
        ),
        examples=("subscribe here briefings flash tenors=10y,30y", "subscribe here daily weekly"),
    )
    return command


def _form_reply(services: ScheduleServices, ctx: CommandContext) -> Reply:
    """A reply asking the bot to open the subscription form; its text is for when the form cannot open."""
    if refusal := _check_rights(services, ctx):
        return refusal
    view = subscription_view(
        services.store.all(), ctx.channel_id, slash_command=ctx.slash_command, from_conversation=True
    )
    text = (
        ":memo: The subscription form did not open (Slack allows 3 seconds after the command). "
        f"Type it instead, e.g. `{ctx.slash_command} subscribe here briefings flash tenors=10y,30y lead=60m`, "
        f"or run `{ctx.slash_command} subscribe` again."
    )
    return Reply(text=text, blocks=blocks.fit(blocks.sections(text)), modal=view)


def _is_feed(word: str) -> bool:
    return word.lower() in {f.value for f in Feed}


def _tenors(raw: str | None, command: Command) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_TENORS
    # Named as the auction history names them (`13w`, not `bill-13w`), so briefings match their auctions;
    # a term Treasury does not sell (`0y`, `99y`) is refused rather than never posted.
    typed = [t.strip().lower() for t in raw.split(",") if t.strip()]
    tenors = tuple(dict.fromkeys(parse_tenor(t.removeprefix("bill")) for t in typed))
    if not typed or None in tenors:
        raise UsageError(f"`tenors=` takes a list like 10y,30y,tips10y (got `{clip_word(raw)}`).", command)
    return tuple(t for t in tenors if t is not None)


def _lead(raw: str | None, command: Command) -> int:
    if raw is None:
        return DEFAULT_LEAD_MINUTES
    match = re.fullmatch(r"(\d{1,4})(m|min|h)?", raw.strip().lower())
    if not match:
        raise UsageError(f"`lead=` takes minutes or hours, e.g. lead=60m or lead=2h (got `{raw[:20]}`).", command)
    minutes = int(match.group(1)) * (60 if match.group(2) == "h" else 1)
    if not 0 < minutes <= MAX_LEAD_MINUTES:
        raise UsageError(f"`lead=` must be between 1 minute and 24 hours (got {minutes} min).", command)
    return minutes


def _unsubscribe(services: ScheduleServices) -> Command:
    command: Command

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        options = split_options(args.words, command, value_flags=frozenset())
        words = list(options.positionals)
        channel_word = words.pop(0) if words and not _is_feed(words[0]) and words[0].lower() != "all" else None
        channel = _channel(channel_word, ctx, command)
        feeds = list(Feed) if [w.lower() for w in words] == ["all"] else _feeds(words, command)
        if refusal := _check_rights(services, ctx):
            return refusal
        removed = services.store.remove(channel, feeds)
        names = ", ".join(f.value for f in feeds)
        text = (
            unsubscribed_text(channel, feeds)
            if removed
            else f"<#{channel}> was not subscribed to {names}; nothing changed."
        )
        return Reply(text=text, blocks=blocks.fit(blocks.sections(text)))

    command = Command(
        name="unsubscribe",
        summary="Stop posting a feed to a channel (admins only).",
        usage="unsubscribe [#channel|here] briefings|flash|daily|weekly|alerts|all …",
        handler=handle,
        examples=("unsubscribe here flash", "unsubscribe here all"),
    )
    return command


def _subscriptions(services: ScheduleServices) -> Command:
    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        subscriptions = services.store.all()
        if not subscriptions:
            text = f"No channel is subscribed yet. An admin can start with `{ctx.slash_command} subscribe here daily`."
            return Reply(text=text, blocks=blocks.fit(blocks.sections(text)))
        lines = [
            f"• <#{s.channel_id}> {s.feed.value}"
            + (f" — tenors {', '.join(s.tenors)}" if s.feed in (Feed.BRIEFINGS, Feed.FLASH) else "")
            + (f", {s.lead_minutes} min lead" if s.feed is Feed.BRIEFINGS else "")
            for s in subscriptions
        ]
        title = f"Subscriptions ({len(subscriptions)})"
        return Reply(
            text="\n".join([title, *lines]),
            blocks=blocks.fit([blocks.header(title), *blocks.sections("\n".join(lines))]),
        )

    return Command(
        name="subscriptions",
        summary="Which channels get which scheduled posts.",
        usage="subscriptions",
        handler=handle,
    )


def _schedule(services: ScheduleServices) -> Command:
    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        start = today(ctx)
        end = start + timedelta(days=SCHEDULE_DAYS)
        auctions = services.calendar.scheduled(start, end, ctx.now) if services.calendar else []
        posts = [
            p for p in plan_posts(services.store.all(), auctions, start, end, services.times) if p.due_at >= ctx.now
        ]
        title = f"Scheduled posts, {start.isoformat()} → {end.isoformat()} (ET)"
        if not posts:
            body = "Nothing is scheduled in the next 7 days."
        else:
            body = "\n".join(
                f"• {p.due_at.astimezone(DESK_TZ).strftime('%a %Y-%m-%d %H:%M')} ET · <#{p.channel_id}> · {p.label}"
                for p in posts
            )
        notes = [] if services.calendar else ["The auction calendar is not available, so no auction posts are shown."]
        text = "\n".join([title, body, *notes])
        return Reply(
            text=blocks.fallback(text),
            blocks=blocks.fit(
                [blocks.header(title), *blocks.sections(body), *(blocks.context(note) for note in notes)]
            ),
        )

    return Command(
        name="schedule",
        summary="What deskbot will post where and when over the next 7 days (ET).",
        usage="schedule",
        handler=handle,
    )
