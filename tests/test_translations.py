"""English is complete: every text the app shows has an English translation that is neither
empty nor a fuzzy guess, with the same placeholders, and the catalogue knows every text the
code marks (a string added without `make messages` would show in Indonesian on an English
page)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "edabu_lite" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _ids(catalog) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_english_catalogue_is_complete_and_consistent():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    missing = [
        m.id
        for m in catalog
        if m.id
        and (
            "fuzzy" in m.flags
            or not m.string
            or (isinstance(m.string, tuple) and not all(m.string))
        )
    ]
    assert missing == []
    problems = [(message.id, errors) for message, errors in catalog.check() if errors]
    assert problems == []


def test_catalogue_knows_every_marked_text(tmp_path):
    extracted = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "N_",
            "-o",
            str(extracted),
            ".",
        ],
        check=True,
        cwd=ROOT,
    )
    with extracted.open("rb") as handle:
        wanted = _ids(read_po(handle))
    assert len(wanted) > 500  # the extraction really read the code and templates
    with PO.open("rb") as handle:
        known = _ids(read_po(handle))
    assert sorted(wanted - known) == [], "run `make messages` and translate the new texts"


def test_form_library_messages_speak_the_page_language(client, session, users, employer):
    """WTForms ships no Indonesian: its own messages are mapped to ours."""
    from edabu_lite.accounts.models import Role, User
    from tests.conftest import login, post_form

    login(client, employer.code, Role.VIEWER.value)
    form = {"current": "x", "new": "pendek", "confirm": "pendek"}
    page = post_form(client, "/akun/kata-sandi", form, token_from="/akun/kata-sandi")
    text = page.get_data(as_text=True)
    assert "Panjangnya harus 12 sampai 200 karakter." in text and "Field must" not in text
    session.query(User).update({"locale": "en"})
    session.commit()
    page = post_form(client, "/akun/kata-sandi", form, token_from="/akun/kata-sandi")
    assert "Must be 12 to 200 characters long." in page.get_data(as_text=True)


def test_the_committed_compiled_catalogue_matches_the_po_file():
    """`pip install .` ships the .mo as committed (no `make` there): it must say what the .po
    says. `make translations` compiles it again."""
    import gettext
    from pathlib import Path

    from babel.messages.pofile import read_po

    folder = Path(__file__).parents[1] / "edabu_lite" / "translations" / "en" / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    with (folder / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple):
            continue
        if compiled.gettext(message.id) != message.string:
            stale.append(message.id)
    assert stale == [], "run `make translations` and commit messages.mo"
