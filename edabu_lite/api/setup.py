"""The API's wiring: flask-smorest's `Api` (the OpenAPI 3 document at
``/api/v1/openapi.json``, built from the same marshmallow schemas the endpoints use), the
documentation page served by the app itself (Swagger UI from the pinned swagger-ui-bundle
package, no CDN), CSRF exemption (the API takes no cookies) and the per-token rate limit."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, Flask, current_app, render_template, send_from_directory, url_for
from flask_babel import gettext as _
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from edabu_lite.api import errors
from edabu_lite.api.auth import rate_key
from edabu_lite.api.schemas import ErrorSchema
from edabu_lite.extensions import csrf, limiter

VERSION_PREFIX = "/api/v1"
_SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)


class EdabuApi(Api):
    """flask-smorest's Api documenting the contract's error body, without its own error
    handlers: the app's handlers answer API requests in the contract's shape
    (`edabu_lite.errors`, `api.errors`)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass


_SPEC = {
    "info": {
        "description": (
            "edabu_lite's API for HR and payroll systems (contract §6). Every request carries "
            "`Authorization: Bearer TOKEN`; tokens are made by an admin (`edabu token create` "
            'or the Token API page). Errors are `{"code", "message", "issues"}`.'
        )
    },
    "security": [{"bearerAuth": []}],
}


class ApiParser(FlaskParser):
    """webargs' parser as the API reads requests: a body that is not JSON where JSON is
    expected is refused with a 422 saying so (webargs would read a form post as no body at
    all, and answer broken JSON with an English 400), and a ``multipart`` location reads the
    form fields and the files of a multipart/form-data body with one schema (an upload and
    its options)."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def _raw_load_json(self, req):  # type: ignore[no-untyped-def]
        # content_length: a form post's body may have been read into request.form already
        if not is_json_request(req) and (req.content_length or req.get_data(cache=True)):
            raise _not_json(
                _("Kirim badan permintaan sebagai JSON (Content-Type: application/json).")
            )
        return super()._raw_load_json(req)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise _not_json(_("Badan permintaan bukan JSON yang sah."))

    def load_multipart(self, req, schema):  # type: ignore[no-untyped-def]
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


def _not_json(message: str) -> errors.ApiError:
    return errors.ApiError(422, "request.invalid", message, [errors.request_issue(None, message)])


_PARSER = ApiParser()


def guarded(blueprint: SmorestBlueprint) -> SmorestBlueprint:
    """An API blueprint with the per-token rate limit (`API_RATE_LIMIT`), exempt from CSRF
    (no cookies are read), reading its arguments with `ApiParser` (so
    ``@blp.arguments(Schema, location="multipart")`` is documented as one
    multipart/form-data body); called once where the blueprint is defined."""
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_key)(blueprint)
    csrf.exempt(blueprint)
    blueprint.ARGUMENTS_PARSER = _PARSER  # type: ignore[misc]
    blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {  # type: ignore[misc]
        **SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }
    return blueprint


docs = Blueprint("api_docs", __name__, template_folder="templates")


@docs.get(f"{VERSION_PREFIX}/docs")
def docs_page():  # type: ignore[no-untyped-def]
    """The API's documentation (Swagger UI) reading the served OpenAPI document."""
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))


@docs.get(f"{VERSION_PREFIX}/docs/assets/<path:name>")
def docs_asset(name: str):  # type: ignore[no-untyped-def]
    return send_from_directory(_SWAGGER_DIR, name, max_age=86400)


def init_app(app: Flask, blueprints: list[SmorestBlueprint]) -> Api:
    """One `Api` per app (its OpenAPI document is the app's), with ``blueprints`` under
    `VERSION_PREFIX` and the documentation page."""
    app.config.setdefault("API_TITLE", "edabu_lite")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", VERSION_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = EdabuApi(app, spec_kwargs=_SPEC)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix=VERSION_PREFIX + blueprint.url_prefix)
    app.register_blueprint(docs)
    csrf.exempt(docs)
    assert VERSION_PREFIX.startswith(errors.PREFIX)
    return api
