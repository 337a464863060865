"""`deskbot demo`: a local Slack-like workspace where the real bot replays a week of markets."""
