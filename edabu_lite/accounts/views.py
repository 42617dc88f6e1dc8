"""Login/logout, own password, user administration and employer settings (web)."""

from __future__ import annotations

from datetime import UTC

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from edabu_lite.accounts import operations as ops
from edabu_lite.accounts.forms import (
    ChangePasswordForm,
    EditUserForm,
    EmployerSettingsForm,
    LoginForm,
    NewUserForm,
    ResetPasswordForm,
)
from edabu_lite.accounts.messages import account_error_message
from edabu_lite.accounts.models import Role, User
from edabu_lite.accounts.throttle import Throttle, locks
from edabu_lite.database import utcnow
from edabu_lite.extensions import db, limiter
from edabu_lite.forms import ButtonForm
from edabu_lite.i18n import SESSION_KEY as LOCALE_KEY
from edabu_lite.security import (
    client_addr,
    get_scoped_or_404,
    role_required,
    safe_path,
    scoped,
    web_actor,
)

bp = Blueprint("accounts", __name__, template_folder="templates")


def load_user(session_id: str) -> User | None:
    """Session ids are ``<user id>:<epoch>``; a bumped epoch (password change, disable)
    ends older sessions."""
    user_id, _sep, epoch = session_id.partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_epoch != int(epoch):
        return None
    if not ops.session_open(db.session, user, session.get(SESSION_TOKEN)):
        return None  # logged out (on any copy of this cookie), or ended by an admin
    return user


#: The session cookie's key for the server-side session's token (see `ops.start_session`).
SESSION_TOKEN = "sid"  # noqa: S105 - a key's name, not a secret


#: Pages a user whose password an admin chose may still open before replacing it.
_BEFORE_OWN_PASSWORD = frozenset(
    {"accounts.change_password", "accounts.logout", "accounts.login", "static", "healthz"}
)


@bp.before_app_request
def require_own_password():  # type: ignore[no-untyped-def]
    """A password set by an admin is replaced at the first login, before anything else."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _BEFORE_OWN_PASSWORD
        and not (request.endpoint or "").endswith("set_language")
    ):
        return redirect(url_for("accounts.change_password"))
    return None


def _sign_in(user: User) -> None:
    """A fresh session for a login: the cookie's old content (and its CSRF token) goes, the
    chosen language stays, and the server records the session so logout can end it."""
    locale = session.get(LOCALE_KEY)
    session.clear()
    if locale:
        session[LOCALE_KEY] = locale
    session[SESSION_TOKEN] = ops.start_session(db.session, user, client_addr())
    login_user(user)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect a fresh login to another host.
    return safe_path(target, url_for("home.index"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = ops.authenticate(
            db.session,
            form.employer_code.data,
            form.username.data,
            form.password.data,
            client_addr(),
            throttle=Throttle(
                threshold=current_app.config["LOCKOUT_THRESHOLD"],
                lock_minutes=current_app.config["LOCKOUT_MINUTES"],
                max_delay=current_app.config["LOGIN_MAX_DELAY"],
            ),
        )
        if result.outcome == ops.LoginOutcome.OK:
            _sign_in(result.user)
            flash(
                _("Selamat datang, %(name)s.", name=result.user.full_name or result.user.username),
                "success",
            )
            if result.user.must_change_password:
                flash(_("Admin mengatur kata sandi Anda. Ganti dengan kata sandi Anda sendiri."))
                return redirect(url_for("accounts.change_password"))
            return redirect(_safe_next(request.args.get("next")))
        _flash_login_failure(result)
    status = 401 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


def _flash_login_failure(result: ops.LoginResult) -> None:
    if result.outcome == ops.LoginOutcome.LOCKED:
        until = format_datetime(result.locked_until.replace(tzinfo=UTC), "HH:mm")
        flash(
            _(
                "Terlalu banyak percobaan gagal dari perangkat ini. Coba lagi setelah pukul "
                "%(time)s, atau minta admin badan usaha membuka kuncinya.",
                time=until,
            ),
            "danger",
        )
    elif result.outcome == ops.LoginOutcome.WAIT:
        flash(
            _(
                "Terlalu banyak percobaan gagal untuk akun ini. Tunggu %(seconds)s detik, lalu "
                "coba lagi.",
                seconds=result.wait_seconds,
            ),
            "danger",
        )
    elif result.outcome == ops.LoginOutcome.DISABLED:
        flash(_("Akun ini dinonaktifkan. Hubungi admin badan usaha Anda."), "danger")
    else:
        flash(_("Kode badan usaha, nama pengguna, atau kata sandi salah."), "danger")


@bp.post("/logout")
@role_required(Role.VIEWER)
def logout():
    ops.record_logout(db.session, current_user, web_actor())
    ops.end_session(db.session, session.get(SESSION_TOKEN))
    logout_user()
    session.pop(SESSION_TOKEN, None)
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@role_required(Role.VIEWER)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ops.change_password(
                db.session, current_user, form.current.data, form.new.data, web_actor()
            )
        except ops.AccountError as error:
            field = form.current if error.code == "password.current_wrong" else form.new
            field.errors.append(account_error_message(error))
        else:
            _sign_in(current_user._get_current_object())  # this device stays signed in
            flash(_("Kata sandi berhasil diganti."), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form)


@bp.get("/pengguna")
@role_required(Role.ADMIN)
def users():
    return _users_page(NewUserForm())


def _users_page(new_form: NewUserForm, status: int = 200):  # type: ignore[no-untyped-def]
    rows = db.session.scalars(scoped(User).order_by(User.username)).all()
    return render_template(
        "accounts/users.html",
        users=rows,
        locks=locks(db.session, current_user.employer_id, utcnow()),
        new_form=new_form,
        unlock_form=ButtonForm(),
    ), status


@bp.post("/pengguna")
@role_required(Role.ADMIN)
def create_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = ops.create_user(
                db.session,
                current_user.employer,
                form.username.data,
                form.password.data,
                form.role.data,
                web_actor(),
                full_name=form.full_name.data or None,
                must_change=True,
            )
        except ops.AccountError as error:
            db.session.rollback()
            flash(account_error_message(error), "danger")
        else:
            flash(_("Pengguna %(username)s ditambahkan.", username=user.username), "success")
            return redirect(url_for("accounts.users"))
    else:
        _flash_form_errors(form)
    return _users_page(form, 400)


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int):
    user = get_scoped_or_404(User, user_id)
    form = EditUserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
    reset_form = ResetPasswordForm(prefix="reset")
    if form.validate_on_submit():
        try:
            ops.update_user(
                db.session,
                user,
                web_actor(),
                role=form.role.data,
                active=form.active.data,
                full_name=form.full_name.data or "",
            )
        except ops.AccountError as error:
            db.session.rollback()
            flash(account_error_message(error), "danger")
        else:
            flash(_("Perubahan pengguna %(username)s disimpan.", username=user.username), "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/edit_user.html", user=user, form=form, reset_form=reset_form)


@bp.post("/pengguna/<int:user_id>/reset")
@role_required(Role.ADMIN)
def reset_password(user_id: int):
    user = get_scoped_or_404(User, user_id)
    form = ResetPasswordForm(prefix="reset")
    if form.validate_on_submit():
        try:
            ops.reset_password(db.session, user, form.password.data, web_actor())
        except ops.AccountError as error:
            db.session.rollback()
            flash(account_error_message(error), "danger")
        else:
            flash(
                _(
                    "Kata sandi %(username)s diatur ulang dan kunci akun dibuka.",
                    username=user.username,
                ),
                "success",
            )
    else:
        _flash_form_errors(form)
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.post("/pengguna/<int:user_id>/keluarkan")
@role_required(Role.ADMIN)
def sign_out_everywhere(user_id: int):
    user = get_scoped_or_404(User, user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    ops.sign_out_everywhere(db.session, user, web_actor())
    if user.id == current_user.id:
        logout_user()
        return redirect(url_for("accounts.login"))
    flash(_("%(username)s dikeluarkan dari semua perangkat.", username=user.username), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.post("/pengguna/<int:user_id>/buka-kunci")
@role_required(Role.ADMIN)
def unlock(user_id: int):
    user = get_scoped_or_404(User, user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    ops.unlock_user(db.session, user, web_actor())
    flash(
        _("Kunci akun %(username)s dibuka; kata sandinya tetap.", username=user.username), "success"
    )
    return redirect(url_for("accounts.users"))


@bp.route("/pengaturan", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings():
    employer = current_user.employer
    form = EmployerSettingsForm(obj=employer)
    if form.validate_on_submit():
        try:
            ops.update_employer_settings(
                db.session,
                employer,
                web_actor(),
                name=form.name.data,
                minimum_wage=form.minimum_wage.data,
                mutations_need_approval=form.mutations_need_approval.data,
            )
        except ops.AccountError as error:
            db.session.rollback()
            flash(account_error_message(error), "danger")
        else:
            flash(_("Pengaturan badan usaha disimpan."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template(
        "accounts/settings.html",
        form=form,
        employer=employer,
        admins=ops.active_admins(db.session, employer.id),
    )


def _flash_form_errors(form) -> None:  # type: ignore[no-untyped-def]
    for field_name, errors in form.errors.items():
        label = getattr(form, field_name).label.text if hasattr(form, field_name) else field_name
        for error in errors:
            flash(f"{label}: {error}", "danger")
