"""The web application factory: settings, extensions, blueprints, hooks and commands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

# Each sheet kind's pipeline registers itself with `imports.registry` when imported; the
# job runner (web, consumer, commands) looks them up there.
import edabu_lite.mutations.importer
import edabu_lite.roster.importing  # noqa: F401
from edabu_lite import operability
from edabu_lite.accounts.cli import employer_group, user_group
from edabu_lite.accounts.views import bp as accounts_bp
from edabu_lite.accounts.views import load_user
from edabu_lite.api import setup as api_setup
from edabu_lite.api.batches import blp as api_batches
from edabu_lite.api.cli import token_group
from edabu_lite.api.imports import blp as api_imports
from edabu_lite.api.iuran import blp as api_iuran
from edabu_lite.api.participants import blp as api_participants
from edabu_lite.api.views import bp as api_tokens_bp
from edabu_lite.audit.cli import audit_group
from edabu_lite.audit.views import bp as audit_bp
from edabu_lite.config import MIGRATIONS_DIR, load_config
from edabu_lite.contributions.cli import iuran_command
from edabu_lite.contributions.reconcile_views import bp as reconcile_bp
from edabu_lite.contributions.views import bp as contributions_bp
from edabu_lite.database import tune_sqlite
from edabu_lite.demo import demo_command
from edabu_lite.errors import register_error_handlers
from edabu_lite.extensions import babel, csrf, db, limiter, login_manager, migrate
from edabu_lite.home import refresh as beranda_refresh
from edabu_lite.home.views import bp as home_bp
from edabu_lite.i18n import register_template_helpers, select_locale
from edabu_lite.identity.privacy import install_log_redaction
from edabu_lite.jobs.cli import jobs_group, serve_command, worker_command
from edabu_lite.mutations.cli import mutation_group
from edabu_lite.mutations.views import bp as mutations_bp
from edabu_lite.roster.cli import roster_group
from edabu_lite.roster.export_views import bp as roster_export_bp
from edabu_lite.roster.import_views import bp as roster_import_bp
from edabu_lite.roster.person_views import bp as people_bp
from edabu_lite.roster.views import bp as roster_bp
from edabu_lite.security import IdConverter, harden_response, refuse_nul_characters


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web application; ``config`` overrides settings read from the environment."""
    settings = load_config()
    settings.update(config or {})
    app = Flask(__name__, instance_path=str(settings["INSTANCE_PATH"]))
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.update(settings)

    _configure_logging(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    db.init_app(app)
    with app.app_context():
        tune_sqlite(db.engine)
    migrate.init_app(
        app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.config["RATELIMIT_ENABLED"] = app.config.get("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    _configure_login(app, login_manager)
    _register_blueprints(app)
    _register_web_hooks(app)
    register_commands(app)
    beranda_refresh.listen()  # a committed change asks for Beranda's numbers again
    return app


def _configure_logging(app: Flask) -> None:
    """Every log record is redacted at creation (UU PDP: no full NIK in any log)."""
    install_log_redaction()
    app.logger.debug("log redaction installed")


def _configure_login(app: Flask, login_manager) -> None:  # type: ignore[no-untyped-def]
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    blueprints = (
        home_bp, accounts_bp, roster_bp, roster_export_bp, roster_import_bp, people_bp,
        mutations_bp, contributions_bp, reconcile_bp, audit_bp, api_tokens_bp,
    )  # fmt: skip
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    api_setup.init_app(app, [api_participants, api_imports, api_batches, api_iuran])


def _register_web_hooks(app: Flask) -> None:
    operability.init_app(app)
    app.before_request(refuse_nul_characters)
    app.after_request(harden_response)
    register_error_handlers(app)
    register_template_helpers(app)


def register_commands(app: Flask) -> None:
    """Attach the project's commands to ``app.cli`` (so ``flask --app edabu_lite`` and the
    ``edabu`` group of `edabu_lite.cli` both see them)."""
    for command in (
        employer_group,
        user_group,
        roster_group,
        mutation_group,
        audit_group,
        iuran_command,
        token_group,
        demo_command,
        worker_command,
        jobs_group,
        serve_command,
    ):
        app.cli.add_command(command)
