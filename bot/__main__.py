"""`python -m bot` is the `deskbot` command."""

from bot.cli import main

raise SystemExit(main())
