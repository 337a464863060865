"""`help`: every command the bot answers, or one command in detail."""

from __future__ import annotations

from commands import blocks
from commands.context import CommandContext
from commands.registry import Command, CommandArgs, Registry, UsageError
from commands.reply import Outcome, Reply

SHARING_NOTE = "Answers are visible only to you; add `--post` to share one with the channel. Times are New York time."


def help_command(registry: Registry) -> Command:
    """The `help` command, listing whatever `registry` holds when it runs."""

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        if not args.words:
            return overview(registry, ctx)
        if len(args.words) > 1:
            raise UsageError("`help` takes at most one command name.", registry.get("help"))
        command = registry.get(args.words[0])
        if command is None:
            raise UsageError(f"There is no command `{args.words[0]}` to explain.", registry.get("help"))
        return command_help(command, ctx)

    return Command(
        name="help",
        summary="List every command, or explain one.",
        usage="help [command]",
        handler=handle,
        details="With a command name, shows that command's options and examples.",
        examples=("help", "help help"),
    )


def overview(registry: Registry, ctx: CommandContext) -> Reply:
    """One line per command: how to type it and what it answers."""
    lines = [f"`{ctx.typed(command.usage)}` — {command.summary}" for command in registry]
    title = "deskbot: Treasury desk commands"
    text = "\n".join([title, *lines, SHARING_NOTE])
    return Reply(
        text=blocks.fallback(text),
        blocks=blocks.fit([blocks.header(title), *blocks.sections("\n".join(lines)), blocks.context(SHARING_NOTE)]),
    )


def command_help(command: Command, ctx: CommandContext) -> Reply:
    """A command's usage, what it does and examples."""
    body = [f"*Usage:* `{ctx.typed(command.usage)}`", command.summary]
    if command.details:
        body.append(command.details)
    if command.examples:
        body.append("*Examples:*")
        body.extend(f"• `{ctx.typed(example)}`" for example in command.examples)
    text = "\n".join(body)
    return Reply(
        text=blocks.fallback(f"{ctx.typed(command.name)}\n{text}"),
        blocks=blocks.fit([blocks.header(ctx.typed(command.name)), *blocks.sections(text)]),
    )


def usage_reply(error: UsageError, ctx: CommandContext) -> Reply:
    """The short, private answer to text the bot could not understand."""
    if error.command is not None:
        hint = f"Usage: `{ctx.typed(error.command.usage)}`"
        example = next((e for e in error.command.examples if " " in e), None) or next(
            iter(error.command.examples), None
        )
        if example:
            hint += f"\nFor example: `{ctx.typed(example)}`"
    else:
        hint = f"Type `{ctx.typed('help')}` to see every command."
    text = f":warning: {error.message}\n{hint}"
    return Reply(
        text=blocks.fallback(text),
        blocks=blocks.fit(blocks.sections(text)),
        outcome=Outcome.USAGE_ERROR,
    )
