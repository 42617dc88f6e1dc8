"""Requests as an attacker or a careless link sends them: redirects that try to leave the
site, downloads a browser must not keep, and hostile query strings on every GET route."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edabu_lite.accounts.models import Role
from tests.conftest import PASSWORD, csrf_token, login, post_form
from tests.world import build_world

#: ``next`` as it stands in a URL's query string (percent-encoded as an attacker sends it).
OFF_SITE = [
    "/%09/evil.example",
    "/%0a/x",
    "/%0d%0a/x",
    "//evil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "%20//evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(client, employer, users, target):
    token = csrf_token(client, "/login")
    response = client.post(
        f"/login?next={target}",
        data={
            "csrf_token": token,
            "employer_code": employer.code,
            "username": Role.VIEWER.value,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/" and "evil" not in location


def test_login_follows_a_path_on_this_site(client, employer, users):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=/peserta%3Fq%3Dsiti",
        data={
            "csrf_token": token,
            "employer_code": employer.code,
            "username": Role.VIEWER.value,
            "password": PASSWORD,
        },
    )
    assert response.headers["Location"] == "/peserta?q=siti"


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_never_redirects_off_site(client, employer, users, target):
    login(client, employer.code, Role.VIEWER.value)
    form = {"locale": "en", "next": unquote(target)}  # a form field arrives decoded
    response = post_form(client, "/bahasa", form, token_from="/")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_downloads_with_personal_data_are_never_stored(client, employer, users):
    login(client, employer.code, Role.ADMIN.value)
    for path in ("/audit/ekspor.xlsx", "/impor/template.xlsx", "/peserta"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


#: Every query parameter the app reads, and then some.
PARAMETERS = [
    "page", "q", "status", "jenis", "urut", "nik", "nama", "actor", "action", "from", "to",
    "tampil", "kode", "setelah", "sebelum", "akhir", "pilih", "cek", "kind", "reason",
    "effective_date", "mandiri_class", "phk_proof", "note", "all_matching", "next",
]  # fmt: skip
HOSTILE = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "99999999999999999999",
            "-1",
            "9999-12-31",
            "0000-00-00",
            "%",
            "_",
            "'",
            "\\",
            "\x00",
            "1e309",
            "NaN",
            "٣",
            "../../etc/passwd",
            "<script>",
            "a" * 5000,
            "~",
            "~~",
            "1~x",
        ]
    ),
)


@pytest.fixture
def walked(app, session, tmp_path):  # type: ignore[no-untyped-def]
    world = build_world(session, tmp_path)
    client = app.test_client()
    login(client, world.employer.code, "admin")
    paths = [
        "/", "/peserta", f"/peserta/{world.participant}", "/audit", "/audit/ekspor.xlsx",
        "/mutasi", f"/mutasi/{world.big_batch}", "/mutasi/unggah", "/impor",
        f"/impor/{world.preview_job}", f"/impor/{world.committed_job}", "/pengguna",
        "/pengaturan", "/akun/kata-sandi", "/login",
    ]  # fmt: skip
    return client, paths


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.dictionaries(st.sampled_from(PARAMETERS), HOSTILE, max_size=6))
def test_no_query_string_makes_a_get_route_fail(walked, query):
    client, paths = walked
    for path in paths:
        response = client.get(path, query_string=query)
        assert response.status_code < 500, (path, query)


def test_dates_at_the_end_of_the_calendar_are_ignored_not_a_500(client, employer, users):
    login(client, employer.code, Role.VIEWER.value)
    for path in ("/audit", "/audit/ekspor.xlsx"):
        for query in ("to=9999-12-31", "from=0001-01-01&to=9999-12-31", "from=9999-12-31"):
            assert client.get(f"{path}?{query}").status_code == 200, (path, query)


def test_a_nul_character_is_a_bad_request_not_a_database_error(client, login_as):
    """PostgreSQL text cannot hold NUL: found by the property test above on PostgreSQL."""
    from edabu_lite.accounts.models import Role

    login_as(Role.VIEWER)
    assert client.get("/peserta?q=%00").status_code == 400
    assert client.get("/audit?nama=ab%00cd").status_code == 400
    assert client.get("/peserta?q=Siti").status_code == 200
