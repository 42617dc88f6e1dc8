"""How much of a roster import goes at once, shared by its stages."""

from __future__ import annotations

#: Rows per chunk: checked, compared with the roster, staged and committed together.
CHUNK = 2000
#: NIKs per query of the family checks' look-ups: one array parameter however many, and each
#: round trip costs ~10 ms on PostgreSQL, so few large queries.
FAMILY_LOOKUP = 20_000
