"""Commands by name, and the parsing of slash-command text."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from commands.context import CommandContext
from commands.reply import Reply

POST_FLAG = "--post"
HELP_FLAGS = frozenset({"-h", "--help"})


class UsageError(Exception):
    """The text cannot be understood; the asker gets the usage, not a trace."""

    def __init__(self, message: str, command: Command | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.command = command


@dataclass(frozen=True)
class CommandArgs:
    """A command's words after its name, with the flags every command shares."""

    words: tuple[str, ...]
    post: bool = False


Handler = Callable[[CommandArgs, CommandContext], Reply]


@dataclass(frozen=True)
class Command:
    """One subcommand: how to call it, what it does, and the code that does it."""

    name: str
    summary: str
    usage: str
    handler: Handler
    details: str = ""
    examples: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=())
    # A private answer gets a "Share in channel" button, which runs the command again: not for one that changes things.
    shareable: bool = True


@dataclass(frozen=True)
class Invocation:
    """Parsed text: which command, its arguments, or a request for its help."""

    command: Command
    args: CommandArgs
    wants_help: bool


class Registry:
    """The commands a deskbot answers, in the order help lists them."""

    def __init__(self) -> None:
        self._commands: list[Command] = []
        self._by_name: dict[str, Command] = {}

    def add(self, command: Command) -> None:
        for name in (command.name, *command.aliases):
            if name in self._by_name:
                raise ValueError(f"command name {name!r} is registered twice")
            self._by_name[name] = command
        self._commands.append(command)

    def get(self, name: str) -> Command | None:
        return self._by_name.get(name.lower())

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands)

    def parse(self, text: str, default: str) -> Invocation:
        """Split `text` into a command and its arguments.

        Empty text runs `default` (help), so a bare `/deskbot` is useful.
        """
        try:
            words = shlex.split(text)
        except ValueError as error:
            raise UsageError(f"I couldn't read that: {error} (check your quotes).") from None
        post = POST_FLAG in words
        words = [word for word in words if word != POST_FLAG]
        if not words:
            words = [default]
        name, rest = words[0], words[1:]
        command = self.get(name)
        if command is None:
            known = ", ".join(f"`{known.name}`" for known in self._commands)
            raise UsageError(f"I don't know the command `{name}`. Commands: {known}.")
        wants_help = any(word in HELP_FLAGS for word in rest)
        return Invocation(command, CommandArgs(tuple(rest), post=post), wants_help)
