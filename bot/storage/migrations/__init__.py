"""Schema revisions, applied by `bot.storage.schema` on start and by `deskbot db upgrade`.

To change a table: edit `bot/storage/models.py`, then run
`python -m bot.storage.migrations revision "what changes"`, which writes the next
revision into `versions/` from the difference between the models and a database at head.
Read it, adjust it (data moves, defaults for existing rows), and test it in
`tests/test_migrations.py`. Revisions are never edited once released.
"""
