"""The platform under every other package: what any web service of ours needs,
whatever it answers.

Owns the settings (config), the SQLite database, its migrations (every table's,
one set per owner) and its first rows (seed), the retention purge, backups, the
JSON request log, health of the schema, security headers, rate limits, error
pages, the two languages (i18n), `<int:>` bounds, the audit log every layer
writes to, and the /privacy page.

May import: nothing else in `bot` (only the standard library and third-party
packages). tests/test_layers.py checks it.
"""
