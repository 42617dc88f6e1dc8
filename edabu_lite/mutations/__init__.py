"""Mutasi peserta: deactivating, moving to mandiri and reactivating participants (contract §3, §5).

`edabu_lite.mutations.rules` plans one mutation of one person and the family members it carries
along (pure: no Flask, no database); `edabu_lite.mutations.sheet` validates one row of the
mutation sheet. Loading people, applying a plan with its optimistic lock and writing the audit
trail belong to the database layer.
"""
