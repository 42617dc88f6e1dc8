"""One sync draft per "roster lengkap" import (issue 18 item 4): a second click, a colleague
posting at the same moment, or a click after the draft was applied all end on the draft
already made, and the preview links to it instead of offering the form again. A cancelled or
rejected draft changed nobody and leaves room for another."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from edabu_lite import clock
from edabu_lite.accounts.models import Role
from edabu_lite.audit.models import AuditEvent
from edabu_lite.audit.operations import Actor, verify_chain
from edabu_lite.extensions import db
from edabu_lite.imports.models import ImportJob
from edabu_lite.months import first_day_of_next_month
from edabu_lite.mutations import operations as ops
from edabu_lite.mutations.models import BatchStatus, MutationBatch
from edabu_lite.roster import sync
from tests.conftest import csrf_token, login, make_user, post_form
from tests.roster.test_roster_sync import WORKERS, _file, register_roster, upload

#: Workers 0–9 but 8 (inactive already) and Siti are missing from the file: 10 people.
MISSING = 10


@pytest.fixture
def job_url(client, session, employer, other_employer, login_as, tmp_path):  # type: ignore[no-untyped-def]
    register_roster(session, employer, other_employer)
    login_as(Role.OPERATOR)
    return upload(client, _file(tmp_path, list(range(10, WORKERS))), full=True)


def _job(session) -> ImportJob:  # type: ignore[no-untyped-def]
    return session.scalars(sa.select(ImportJob)).one()


def _form() -> dict[str, str]:
    return {
        "reason": "MENGUNDURKAN_DIRI",
        "effective_date": first_day_of_next_month(clock.today()).isoformat(),
    }


def _post(client, job_id: int, job_url: str):  # type: ignore[no-untyped-def]
    return post_form(client, f"/impor/{job_id}/sinkron", _form(), token_from=job_url)


def _batches(session) -> list[MutationBatch]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(sa.select(MutationBatch).order_by(MutationBatch.id)))


def _alerts(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", a).strip()
        for a in re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)
    ]


def test_a_second_click_lands_on_the_draft_already_made(client, session, job_url):
    job = _job(session)
    first = _post(client, job.id, job_url)
    assert first.status_code == 302 and re.fullmatch(r".*/mutasi/\d+", first.headers["Location"])
    (batch,) = _batches(session)
    assert batch.sync_job_id == job.id and batch.items_count == MISSING
    assert batch.source == "web" and batch.status == BatchStatus.DRAFT

    again = _post(client, job.id, job_url)
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert (
        f"Draf mutasi dari impor ini sudah dibuat: batch #{batch.id} (Pratinjau, "
        f"{MISSING} peserta). Tidak ada draf kedua yang dibuat."
    ) in " ".join(_alerts(page))
    assert [b.id for b in _batches(session)] == [batch.id]
    # the batch names where it came from
    assert f'href="/impor/{job.id}#sync" data-testid="sync-source"' in page

    preview = client.get(job_url).get_data(as_text=True)
    existing = preview.split('data-testid="sync-existing"', 1)[1].split("</div>", 1)[0]
    assert f'href="/mutasi/{batch.id}"' in existing and f"{MISSING} peserta" in existing
    assert 'data-testid="sync-form"' not in preview and "Buat draf mutasi untuk" not in preview
    assert "buat draf mutasi nonaktif di bawah" not in preview
    # the counts stay: they say what the file leaves out, whatever was drafted
    assert f'data-testid="sync-count" data-value="{MISSING}"' in preview


def _reviewer(session, employer, users) -> Actor:  # type: ignore[no-untyped-def]
    admin = users[Role.ADMIN]
    return Actor(admin.username, "web", admin.id)


@pytest.mark.parametrize(
    ("fate", "again"),
    [
        ("applied", False),
        ("submitted", False),
        ("replanned", False),
        ("cancelled", True),
        ("rejected", True),
    ],
)
def test_what_became_of_the_first_draft_decides_whether_another_is_made(
    client, session, employer, users, job_url, fate, again
):
    job = _job(session)
    first_url = _post(client, job.id, job_url).headers["Location"]
    (first,) = _batches(session)
    maker = Actor(users[Role.OPERATOR].username, "web", users[Role.OPERATOR].id)
    live = first
    if fate == "applied":
        ops.apply_batch(session, first, maker)
    elif fate in {"submitted", "rejected"}:
        employer.mutations_need_approval = True
        session.commit()
        ops.submit_batch(session, first, maker)
        if fate == "rejected":
            reviewer = _reviewer(session, employer, users)
            ops.review_batch(session, first, reviewer, Role.ADMIN, approve=False, note="TMT salah")
    elif fate == "cancelled":
        ops.cancel_batch(session, first, maker)
    elif fate == "replanned":  # planned again from its page: the new draft keeps the link
        response = post_form(client, f"/mutasi/{first.id}/rencana-ulang", {}, token_from=first_url)
        assert response.status_code == 302
        live = _batches(session)[-1]
        assert live.id != first.id and live.sync_job_id == job.id
    assert _batches(session)[0].status.value == {"replanned": "cancelled"}.get(fate, fate)

    response = _post(client, job.id, job_url)
    batches = _batches(session)
    assert response.status_code == 302
    if again:
        new = batches[-1]
        assert len(batches) == 2 and new.id != first.id
        assert (new.sync_job_id, new.status, new.items_count) == (
            job.id,
            BatchStatus.DRAFT,
            MISSING,
        )
        assert response.headers["Location"].endswith(f"/mutasi/{new.id}")
        preview = client.get(job_url).get_data(as_text=True)
        assert f'data-testid="sync-existing-link">batch #{new.id}<' in preview
    else:
        assert len(batches) == (2 if fate == "replanned" else 1)
        assert response.headers["Location"].endswith(f"/mutasi/{live.id}")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert f"sudah dibuat: batch #{live.id}" in page
        preview = client.get(job_url).get_data(as_text=True)
        assert f'data-testid="sync-existing-link">batch #{live.id}<' in preview
        assert 'data-testid="sync-form"' not in preview


def test_two_staff_posting_at_once_make_one_draft(
    app, client, session, employer, users, job_url, monkeypatch
):
    """Both requests pass the check for an existing draft before either plans (a barrier
    holds them there), so only the database's unique index can keep the second out: the
    later insert waits for the first commit, fails, and its request lands on the first
    draft with the message. Real threads, each with its own connection."""
    job_id = _job(session).id  # the threads must not load through the test's session
    colleague = app.test_client()
    assert login(colleague, employer.code, Role.ADMIN.value).status_code == 302
    planning = threading.Barrier(2, timeout=60)
    real_plan = sync.plan_batch

    def plan_after_both_checked(*args, **kwargs):  # type: ignore[no-untyped-def]
        planning.wait()
        return real_plan(*args, **kwargs)

    checks: list[int | None] = []
    real_check = sync.existing_draft

    def counted_check(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real_check(*args, **kwargs)
        checks.append(found.id if found else None)
        return found

    data = {who: {**_form(), "csrf_token": csrf_token(c, job_url)}
            for who, c in (("operator", client), ("admin", colleague))}  # fmt: skip
    monkeypatch.setattr(sync, "plan_batch", plan_after_both_checked)
    monkeypatch.setattr(sync, "existing_draft", counted_check)
    responses: dict[str, object] = {}

    def post(who: str, c) -> None:  # type: ignore[no-untyped-def]
        with app.app_context():
            try:
                responses[who] = c.post(f"/impor/{job_id}/sinkron", data=data[who])
            except Exception as error:  # a 500 or a lock timeout: what must not happen
                responses[who] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=post, args=(who, c))
               for who, c in (("operator", client), ("admin", colleague))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(getattr(r, "status_code", None) == 302 for r in responses.values()), responses
    (batch,) = _batches(session)
    assert batch.sync_job_id == job_id and batch.items_count == MISSING
    locations = {who: r.headers["Location"] for who, r in responses.items()}  # type: ignore[attr-defined]
    assert set(locations.values()) == {f"/mutasi/{batch.id}"}
    # both saw no draft; the loser looked again only after its insert was refused
    assert sorted(checks, key=str) == sorted([None, None, batch.id], key=str)
    told = {
        who: "sudah dibuat" in c.get(locations[who]).get_data(as_text=True)
        for who, c in (("operator", client), ("admin", colleague))
    }
    winner = "operator" if batch.created_by_id == users[Role.OPERATOR].id else "admin"
    assert told == {"operator": winner != "operator", "admin": winner != "admin"}
    creates = session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.action == "mutation_batch.create")
    )
    assert creates == 1  # the loser's event went with its rolled-back transaction
    assert verify_chain(session, employer.id).ok


def test_the_database_keeps_one_live_draft_per_import(session, employer, job_url):
    """The index itself, as migrated: a second live batch for the import is refused, a
    cancelled or rejected one is not counted."""
    job = _job(session)

    def add(status: BatchStatus) -> None:
        session.add(MutationBatch(employer_id=employer.id, status=status, source="web",
                                  created_by="x", sync_job_id=job.id))  # fmt: skip
        session.commit()

    add(BatchStatus.CANCELLED)
    add(BatchStatus.REJECTED)
    add(BatchStatus.APPLIED)
    with pytest.raises(sa.exc.IntegrityError):
        add(BatchStatus.DRAFT)
    session.rollback()
    add(BatchStatus.CANCELLED)
    assert len(_batches(session)) == 4


def test_another_employer_can_neither_make_nor_see_the_draft(
    client, session, employer, other_employer, job_url
):
    job = _job(session)
    batch_url = _post(client, job.id, job_url).headers["Location"]
    make_user(session, other_employer, "tetangga", Role.ADMIN)
    client.post("/logout", data={"csrf_token": csrf_token(client, job_url)})
    login(client, other_employer.code, "tetangga")
    token = csrf_token(client, "/peserta")
    response = client.post(f"/impor/{job.id}/sinkron", data={**_form(), "csrf_token": token})
    assert response.status_code == 404
    assert client.get(job_url).status_code == 404
    assert client.get(batch_url).status_code == 404
    assert len(_batches(session)) == 1


def test_a_viewer_cannot_make_it_but_sees_where_a_draft_came_from(
    client, session, employer, job_url
):
    job = _job(session)
    batch_url = _post(client, job.id, job_url).headers["Location"]
    (batch,) = _batches(session)
    ops.cancel_batch(session, batch, Actor("hr", "web"))  # so a new draft would be allowed
    client.post("/logout", data={"csrf_token": csrf_token(client, job_url)})
    login(client, employer.code, Role.VIEWER.value)
    token = csrf_token(client, "/peserta")
    response = client.post(f"/impor/{job.id}/sinkron", data={**_form(), "csrf_token": token})
    assert response.status_code == 403
    assert len(_batches(session)) == 1
    page = client.get(batch_url).get_data(as_text=True)
    assert f"dari impor roster lengkap #{job.id}" in page
    assert 'data-testid="sync-source"' not in page  # the import's page is not theirs to open
    db.session.remove()
