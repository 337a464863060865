"""Scheduled posts: the runner that posts each one once, and the APScheduler glue around it."""
