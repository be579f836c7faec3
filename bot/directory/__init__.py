"""The directory of local services: the listings residents are pointed to.

Owns the listings as stored (listings.py: the cached, ordered lookup a reply takes
its listings from), the checks every listing passes through whatever its way in
(validation), the one way to change a listing with its audit entry (listing_edits),
CSV import and export (import_export), Open Referral HSDS export (hsds) and the
defence against spreadsheet formulas in both (spreadsheet).

May import: bot.platform and bot.engine (the intent ids and categories a listing is
filed under). Nothing here serves a request by itself: the channels and the staff
pages do. tests/test_layers.py checks it.
"""
