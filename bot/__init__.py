"""The running deskbot: configuration, Slack adapter, storage and command line."""

__version__ = "0.1.0"
