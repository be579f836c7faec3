"""The staff side: what city staff use to keep the directory current, and who they are.

Owns the pages at /admin (admin/: sign-in, listings, CSV import/export, the audit
log; one blueprint, CSRF on every form), staff accounts (accounts.py), sign-in
throttling (sign_in_limits), and the operators' command line for both
(cli.py: `flask staff-*`; directory_cli.py: `flask directory-*`).

May import: bot.platform, bot.engine, bot.directory and bot.services. Nothing here
imports a channel or staff insight: insight adds its pages to this blueprint, not
the other way round. tests/test_layers.py checks it.
"""
