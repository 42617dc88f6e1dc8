"""The generic job runner finds each sheet kind's pipeline through the registry."""

from __future__ import annotations

import pytest

from edabu_lite.imports import registry
from edabu_lite.imports.models import JobKind
from edabu_lite.mutations.importer import stage_mutations
from edabu_lite.roster.importing import stage_roster


def test_an_app_has_every_sheet_kind_registered(app):
    assert registry.stager(JobKind.ROSTER) is stage_roster
    assert registry.stager(JobKind.MUTATION) is stage_mutations
    assert {kind for kind in JobKind if kind in registry._STAGERS} == set(JobKind)


def test_an_unregistered_kind_is_a_clear_wiring_error(monkeypatch):
    monkeypatch.setattr(registry, "_STAGERS", {})
    with pytest.raises(LookupError, match="no pipeline registered for roster sheets"):
        registry.stager(JobKind.ROSTER)
