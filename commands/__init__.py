"""Slash-command text in, a `Reply` out.

Commands call the domain (`market`) for data and describe charts with
`charts.specs`; they never talk to Slack. The bot posts the reply.
"""
