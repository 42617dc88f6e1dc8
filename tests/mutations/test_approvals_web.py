"""Approvals as people meet them: nobody is offered their own batch to approve, a rejection
says why, the submitter's note reaches the reviewer, a reverted batch says so, a plan that
lacks what its kind needs is answered on the form, drafts expire, and every irreversible
button says what it will do."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from edabu_lite.accounts.models import Role
from edabu_lite.mutations.models import BatchStatus, MutationBatch
from edabu_lite.roster.models import Participant, Status
from tests.conftest import login, make_user, post_form
from tests.mutations.test_mutation_web import WORKER, plan_from_list, seed


def _batch(session) -> MutationBatch:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(sa.select(MutationBatch).order_by(MutationBatch.id.desc())).first()


def _approval_on(session, employer) -> None:  # type: ignore[no-untyped-def]
    make_user(session, employer, "admin2", Role.ADMIN)
    employer.mutations_need_approval = True
    session.commit()


def test_own_batch_offers_no_approval_and_a_rejection_needs_a_reason(
    app, client, session, employer, users, login_as
):
    worker = seed(session, employer)
    _approval_on(session, employer)
    login_as(Role.ADMIN)
    batch_url = plan_from_list(client, worker.id).headers["Location"]
    post_form(
        client, f"{batch_url}/ajukan", {"note": "Pak Budi keluar 30 Nov"}, token_from=batch_url
    )
    own = client.get(batch_url).get_data(as_text=True)
    assert 'data-testid="approve"' not in own and 'data-testid="reject"' not in own
    assert "Menunggu persetujuan admin lain" in own

    other = app.test_client()
    login(other, employer.code, "admin2")
    page = other.get(batch_url).get_data(as_text=True)
    assert "Pak Budi keluar 30 Nov" in page and 'data-testid="approve"' in page
    refused = post_form(
        other, f"{batch_url}/tolak", {"note": "  "}, token_from=batch_url, follow_redirects=True
    )
    assert "Tuliskan alasan penolakan" in refused.get_data(as_text=True)
    assert _batch(session).status == BatchStatus.SUBMITTED
    post_form(other, f"{batch_url}/tolak", {"note": "TMT salah"}, token_from=batch_url)
    batch = _batch(session)
    assert batch.status == BatchStatus.REJECTED and batch.review_note == "TMT salah"


def test_reverted_batch_says_reverted(client, session, employer, login_as):
    worker = seed(session, employer)
    login_as(Role.ADMIN)
    batch_url = plan_from_list(client, worker.id).headers["Location"]
    page = client.get(batch_url).get_data(as_text=True)
    apply = re.search(r'<button[^>]*data-testid="apply"[^>]*>', page).group(0)
    assert "4 peserta akan berubah" in apply  # the confirmation says what will happen
    post_form(client, f"{batch_url}/terapkan", {}, token_from=batch_url)
    applied = client.get(batch_url).get_data(as_text=True)
    revert = re.search(r'<button[^>]*data-testid="revert"[^>]*>', applied).group(0)
    assert "data-confirm" in revert and "4 peserta" in revert
    post_form(client, f"{batch_url}/kembalikan", {}, token_from=batch_url)
    reverted = client.get(batch_url).get_data(as_text=True)
    assert 'data-state="reverted"' in reverted and "Dikembalikan" in reverted
    listing = client.get("/mutasi").get_data(as_text=True)
    assert "Dikembalikan" in listing


def test_a_plan_without_its_reason_is_answered_on_the_form(client, session, employer, login_as):
    worker = seed(session, employer)
    login_as(Role.OPERATOR)
    response = plan_from_list(client, worker.id, reason="", q="Siti")
    assert response.status_code == 302 and "/peserta?" in response.headers["Location"]
    assert session.scalar(sa.select(sa.func.count()).select_from(MutationBatch)) == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pilih alasan nonaktif." in page and "is-invalid" in page
    ticked = re.search(rf'<input[^>]*name="participant_id" value="{worker.id}"[^>]*>', page)[0]
    assert "checked" in ticked  # the selection is kept
    assert 'value="Siti"' in page  # and the filter
    moved = plan_from_list(client, worker.id, kind="PINDAH_MANDIRI", reason="", mandiri_class="")
    page = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert "Pilih kelas mandiri" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(MutationBatch)) == 0


def test_a_stale_draft_cannot_be_applied_only_discarded(client, session, employer, login_as):
    worker = seed(session, employer)
    login_as(Role.OPERATOR)
    batch_url = plan_from_list(client, worker.id).headers["Location"]
    batch = _batch(session)
    batch.created_at -= timedelta(days=8)
    session.commit()
    page = client.get(batch_url).get_data(as_text=True)
    assert 'data-state="expired"' in page and 'data-testid="apply"' not in page
    refused = post_form(client, f"{batch_url}/terapkan", {}, token_from=batch_url)
    assert refused.status_code == 302
    assert {p.status for p in session.scalars(sa.select(Participant))} == {Status.ACTIVE}
    post_form(client, f"{batch_url}/batal", {}, token_from=batch_url)
    assert _batch(session).status == BatchStatus.CANCELLED
    assert WORKER in {p.nik for p in session.scalars(sa.select(Participant))}
