"""Real local servers that stand in for Slack and the data sources.

Used by the tests and by offline demos: the code under test makes real
HTTP calls to 127.0.0.1, so what is tested is what runs in production.
"""
