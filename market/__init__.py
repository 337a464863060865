"""Market data: upstream sources, parsing and analytics.

Knows nothing of Slack or matplotlib, so it can be used from a notebook,
a scheduled job or a slash command alike.
"""
