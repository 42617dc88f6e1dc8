"""The REST API for HR and payroll systems (contract §6), under ``/api/v1/``.

Thin like the views and the CLI: each endpoint parses its input with marshmallow (the roster
row schema for people), calls the same operation the web and the CLI call, and renders the
result. Tokens (`tokens`) stand in for users; `auth` checks them and the role, `errors` gives
every failure the contract's JSON shape, `idempotency` makes creating POSTs safe to retry.
"""
