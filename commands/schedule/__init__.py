"""Scheduled posts as data: who subscribed to what, and what is due where and when."""
