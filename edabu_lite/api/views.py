"""Admin page "Token API": create a token (shown once), list tokens (name, role, created,
last used, expiry) and revoke one. Same operations as `edabu token`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from edabu_lite.accounts.models import Role
from edabu_lite.api import tokens
from edabu_lite.api.forms import NewTokenForm
from edabu_lite.database import utcnow
from edabu_lite.extensions import db
from edabu_lite.forms import ButtonForm
from edabu_lite.security import role_required, web_actor

bp = Blueprint("api_tokens", __name__, template_folder="templates")


@bp.get("/pengaturan/token-api")
@role_required(Role.ADMIN)
def index():
    return _page(NewTokenForm())


@bp.post("/pengaturan/token-api")
@role_required(Role.ADMIN)
def create():
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        new = tokens.create_token(
            db.session,
            current_user.employer,
            form.name.data,
            form.role.data,
            web_actor(),
            days=form.days.data,
        )
    except tokens.TokenError as error:
        db.session.rollback()
        flash(tokens.error_message(error), "danger")
        return _page(form, status=400)
    # Shown on this answer only (never stored, never in a redirect or the session).
    return _page(NewTokenForm(formdata=None), secret=new.secret, created=new.token)


@bp.post("/pengaturan/token-api/<int:token_id>/cabut")
@role_required(Role.ADMIN)
def revoke(token_id: int):
    if ButtonForm().validate_on_submit():
        try:
            token = tokens.revoke_token(db.session, current_user.employer_id, token_id, web_actor())
        except tokens.TokenError:  # not one of this employer's tokens
            db.session.rollback()
            abort(404)
        flash(_("Token %(name)s dicabut.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))


def _page(form: NewTokenForm, status: int = 200, **shown: object):  # type: ignore[no-untyped-def]
    return render_template(
        "api/tokens.html",
        tokens=tokens.tokens_of(db.session, current_user.employer_id),
        form=form,
        button=ButtonForm(),
        now=utcnow(),
        **shown,
    ), status
