"""The shapes of ``/api/v1/roster-imports`` (OpenAPI, through flask-smorest): the upload, the
job's status document, a page of its issues and the commit's choice."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from edabu_lite.api.schemas import IssueSchema, PageArgs
from edabu_lite.imports.models import JobStatus
from edabu_lite.issues import ERROR, WARNING


class _File(Upload):
    """A file part of the multipart body (a text field of the same name is not a file)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, FileStorage):
            raise ValidationError(_("Kirim berkas .xlsx sebagai bagian berkas bernama file."))
        return value


class UploadSchema(Schema):
    file = _File(
        required=True,
        metadata={"description": "The roster sheet (.xlsx, contract §2), at most MAX_UPLOAD_MB."},
    )
    full_roster = fields.Boolean(
        load_default=False,
        metadata={
            "description": "The file is the whole current roster (the web's “Roster lengkap”)."
        },
    )


class CommitSchema(Schema):
    valid_only = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Commit only the error-free rows (whole families); without it a "
            "job with errors is refused (422 import.blocked)."
        },
    )


class IssueArgs(PageArgs):
    severity = fields.String(
        validate=validate.OneOf([ERROR, WARNING]),
        metadata={"description": "Only issues of this severity."},
    )


class CountsSchema(Schema):
    rows = fields.Integer(required=True)
    valid_rows = fields.Integer(required=True)
    error_rows = fields.Integer(required=True)
    warning_rows = fields.Integer(required=True)
    inserted = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    skipped = fields.Integer(
        required=True, metadata={"description": "Rows a valid-rows-only commit left out."}
    )
    planned = fields.Boolean(
        required=True,
        metadata={
            "description": "True: inserted/updated/unchanged are what a commit would do "
            "(the preview); false: what the commit did."
        },
    )


class ProgressSchema(Schema):
    rows_read = fields.Integer(required=True)
    rows_validated = fields.Integer(required=True)
    rows_expected = fields.Integer(allow_none=True)
    stale = fields.Boolean(
        required=True,
        metadata={"description": "Processing, but its worker has been silent too long."},
    )


class ImportJobSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in JobStatus]))
    message = fields.String(required=True, metadata={"description": "The status in words."})
    filename = fields.String(required=True)
    full_roster = fields.Boolean(required=True)
    valid_only = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)
    committed_at = fields.DateTime(allow_none=True)
    purged_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "Past JOB_RETENTION_DAYS: the rows and their issues were dropped "
            "(the counts stay)."
        },
    )
    counts = fields.Nested(CountsSchema, required=True)
    progress = fields.Nested(ProgressSchema, required=True)
    issue_counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Rows per issue code."},
    )
    file_issues = fields.List(
        fields.Nested(IssueSchema),
        required=True,
        metadata={"description": "Issues of the file itself (a rejected file says why)."},
    )


class IssuePageSchema(Schema):
    items = fields.List(fields.Nested(IssueSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
