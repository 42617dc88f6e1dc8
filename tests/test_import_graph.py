"""No module of edabu_lite imports itself back through others: the import graph (grimp, the
library behind import-linter; function-level imports included) has no cycle. The seams
between packages are import-linter contracts in pyproject.toml (`make lint`)."""

from __future__ import annotations

import grimp


def test_no_module_imports_itself_back():
    graph = grimp.build_graph("edabu_lite")
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported.startswith("edabu_lite.") and imported != module:
                back = graph.find_shortest_chain(importer=imported, imported=module)
                if back:
                    cycles.append(" -> ".join((module, *back)))
    assert cycles == []


def test_the_check_finds_a_cycle_when_there_is_one():
    graph = grimp.build_graph("edabu_lite")
    graph.add_import(importer="edabu_lite.identity.nik", imported="edabu_lite.roster.schemas")
    assert graph.find_shortest_chain(
        importer="edabu_lite.roster.schemas", imported="edabu_lite.identity.nik"
    )


def test_only_the_sheets_backend_knows_the_calamine_bindings():
    """python-calamine-plus (the fork) and python-calamine (its fallback) stay behind
    edabu_lite.sheets.backend: swapping either touches one module."""
    graph = grimp.build_graph("edabu_lite", include_external_packages=True)
    for binding in ("python_calamine_plus", "python_calamine"):
        importers = graph.find_modules_that_directly_import(binding)
        assert importers == {"edabu_lite.sheets.backend"}, binding
