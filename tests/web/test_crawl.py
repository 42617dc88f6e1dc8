"""The crawl: log in as each role, follow every link and every GET filter (each option of each
drop-down once) through an employer with two pages and more of everything, in Bahasa
Indonesia and in English, and require that no page answers 5xx.

The main page once crashed on its 51st row while every unit test passed; this test is the
one that would have caught it, and it grows with the app: a new page, link or filter is
walked without being named here.
"""

from __future__ import annotations

import html
import re
from collections import deque
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
import sqlalchemy as sa

from edabu_lite.accounts.models import User
from tests.conftest import login
from tests.world import build_world

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)(?:#[^"]*)?"', re.I)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.I | re.S)
SELECT = re.compile(r'<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', re.I | re.S)
OPTION = re.compile(r'<option\b[^>]*\bvalue="([^"]*)"', re.I)
INPUT = re.compile(r"<input\b([^>]*)>", re.I)
ATTR = re.compile(r'([a-z-]+)="([^"]*)"', re.I)
#: Pages past these are only visited through the pager's "last page" link.
FOLLOWED_PAGES = {"1", "2"}
LAST_PAGE = re.compile(r'<a class="page-link" href="([^"]+)" aria-label="[^"]*(?:terakhir|Last)')
#: What a text field of a filter is tried with besides empty: a name, a NIK prefix, a name
#: with SQL and LIKE specials, and a date.
PROBES = {"text": ["an", "3273", "%_'\""], "search": ["an", "3273"], "date": ["2026-12-01"]}
MAX_VISITS = 1500
#: A person's form pages (change data, correct the NIK, add family) are the same page for
#: every person: visited for this many people, not for each one the crawl reaches.
PER_PERSON_FORMS = re.compile(r"^/peserta/\d+/(.+)$")
FORM_SAMPLES = 3
#: A month's pages (Rincian Iuran) link to the months around them: a few months are
#: visited, not the two years the links reach.
MONTH_ARG = re.compile(r"(?:^|&)bulan=")
#: Addresses of one kind (a path, with ids as #, and the same query names: a filter, its
#: sort orders and pages) are visited this many times; every page and filter kind is
#: reached, not every combination of their values.
QUERY_SAMPLES = 40
#: Internal codes a person must never read on a page (outside an issue's small code tag, or
#: <code> for what is typed into a sheet).
CODES = re.compile(
    r"\b(?:NONAKTIF|PINDAH_MANDIRI|MENGUNDURKAN_DIRI|HABIS_KONTRAK|PESERTA_MENINGGAL"
    r"|(?:participant|roster_import|mutation_batch|mutation_import|auth|user|employer)"
    r"\.[a-z_]+)\b"
)
HIDDEN = re.compile(
    r'<span class="issue-code"[^>]*>.*?</span>|<code>.*?</code>|<script\b.*?</script>|<[^>]+>',
    re.S,
)


def _attrs(text: str) -> dict[str, str]:
    return {k.lower(): html.unescape(v) for k, v in ATTR.findall(text)}


def _get_form_urls(page_url: str, body: str) -> list[str]:
    """Each GET form submitted with its defaults, then with each option of each select and
    each probe of each text field (one change at a time)."""
    urls = []
    for form_attrs, inner in FORM.findall(body):
        attrs = _attrs(form_attrs)
        if attrs.get("method", "get").lower() != "get":
            continue
        action = urljoin(page_url, attrs.get("action") or urlsplit(page_url).path)
        defaults: dict[str, str] = {}
        variants: list[tuple[str, str]] = []
        for input_attrs in INPUT.findall(inner):
            field = _attrs(input_attrs)
            name, kind = field.get("name"), field.get("type", "text").lower()
            if not name or kind in {"submit", "button", "checkbox", "radio"}:
                continue
            defaults[name] = field.get("value", "")
            variants += [(name, probe) for probe in PROBES.get(kind, [])]
        for name, options in SELECT.findall(inner):
            values = [html.unescape(v) for v in OPTION.findall(options)]
            defaults.setdefault(name, values[0] if values else "")
            variants += [(name, value) for value in values]
        urls.append(f"{action}?{urlencode(defaults)}")
        urls += [f"{action}?{urlencode({**defaults, name: value})}" for name, value in variants]
    return urls


def _worth_visiting(url: str, last_pages: set[str], samples: dict[str, int]) -> bool:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or parts.path.startswith("/static/"):
        return False
    form = PER_PERSON_FORMS.match(parts.path)
    month = MONTH_ARG.search(parts.query)
    if form or month:
        shape = f"{form.group(1)}?{parts.query}" if form else parts.path
        samples[shape] = samples.get(shape, 0) + 1
        if samples[shape] > FORM_SAMPLES:
            return False
    if parts.query:  # a kind of filtered, sorted or paged address: a sample of its values
        names = sorted(name for name, _value in parse_qsl(parts.query, keep_blank_values=True))
        shape = "?".join((re.sub(r"\d+", "#", parts.path), "&".join(names)))
        samples[shape] = samples.get(shape, 0) + 1
        if samples[shape] > QUERY_SAMPLES:
            return False
    page = dict(parse_qsl(parts.query)).get("page")
    return page is None or page in FOLLOWED_PAGES or url in last_pages


def _key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))}"


def crawl(client) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Visit everything reachable from the home page; returns each URL's status."""
    seen: dict[str, int] = {}
    forms_tried: set[str] = set()  # a page's filters are tried once, from its first visit
    samples: dict[str, int] = {}  # per-person form pages queued, by form
    queue = deque(["/"])
    queued = {_key("/")}
    while queue:
        url = queue.popleft()
        response = client.get(url)
        seen[url] = response.status_code
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        assert len(seen) < MAX_VISITS, "the crawl did not end: a link generator loops"
        if "text/html" not in response.content_type:
            continue
        body = response.get_data(as_text=True)
        text = html.unescape(HIDDEN.sub(" ", body))
        assert not CODES.search(text), f"{url} shows the code {CODES.search(text).group(0)}"
        last_pages = {urljoin(url, html.unescape(link)) for link in LAST_PAGE.findall(body)}
        found = [urljoin(url, html.unescape(href)) for href in HREF.findall(body)]
        path = urlsplit(url).path
        if path not in forms_tried:
            forms_tried.add(path)
            found += _get_form_urls(url, body)
        for link in found:
            link = link.replace("http://localhost", "")
            if _key(link) in queued or not _worth_visiting(link, last_pages, samples):
                continue
            queued.add(_key(link))
            queue.append(link)
    return seen


@pytest.fixture
def world(session, tmp_path):  # type: ignore[no-untyped-def]
    return build_world(session, tmp_path)


def test_every_link_and_filter_answers_for_every_role_in_both_languages(app, session, world):
    reached: dict[tuple[str, str], set[str]] = {}
    for username in ("viewer", "operator", "admin"):
        for locale in ("id", "en"):
            session.execute(
                sa.update(User)
                .where(User.employer_id == world.employer.id, User.username == username)
                .values(locale=locale)
            )
            session.commit()
            client = app.test_client()
            assert login(client, world.employer.code, username).status_code == 302
            seen = crawl(client)
            reached[(username, locale)] = {urlsplit(u).path for u in seen}
    # The crawl really went through the pages it is about, past their first page.
    admin = reached[("admin", "id")]
    for path in (
        "/peserta",
        f"/peserta/{world.participant}",
        f"/peserta/{world.newborn}",
        "/audit",
        "/mutasi",
        f"/mutasi/{world.big_batch}",
        "/impor",
        f"/impor/{world.preview_job}",
        f"/impor/{world.committed_job}",
        "/pengguna",
        "/pengaturan",
        "/peserta/baru",
    ):
        assert path in admin, path
    for form in ("ubah", "koreksi-nik", "keluarga/baru"):  # a person's forms, for a few people
        assert any(re.fullmatch(rf"/peserta/\d+/{form}", path) for path in admin), form
    assert "/impor" not in reached[("viewer", "id")]  # a viewer is shown no import link
    assert reached[("operator", "en")] == reached[("operator", "id")]
