"""marshmallow fields for identity cells, and a schema base that reports warnings as well as errors.

marshmallow only knows errors, and version 4 removed ``Schema.context``. Here:

* a field raises ``ValidationError`` whose messages are `Issue` objects (the errors);
* warnings go to a per-load sink held in a `contextvars.ContextVar`, so concurrent loads in
  threads or async tasks never mix (and nothing is shared between schema instances);
* `IssueSchema.load_issues` opens the sink, loads, and returns ``(data or None, issues)`` with
  every issue carrying its code, severity, column (the field's data key) and row.

The fields also keep what they decoded (`NikParts`, `KkParts`) in the same per-load sink, so
row-level cross-checks in ``@validates_schema`` hooks (NIK date/sex vs the roster, KK equal to
NIK) read it with `IssueSchema.parsed` instead of parsing again.

Plain marshmallow fields may be mixed in: their string errors become ``<key>.required`` for a
missing or null value (``<key>.invalid`` when the code has no required variant, as for sex),
else ``<key>.format`` or ``<key>.invalid``, whichever the catalogue has. A schema whose
field has none of these raises LookupError on first use, so the gap shows in tests.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing
from marshmallow.exceptions import SCHEMA

from edabu_lite.identity.card import parse_card_number
from edabu_lite.identity.kk import parse_kk
from edabu_lite.identity.nik import parse_nik
from edabu_lite.identity.result import ParseResult
from edabu_lite.issues import CATALOGUE, Issue


@dataclass(slots=True)
class _LoadSink:
    """What one `IssueSchema.load_issues` call collects besides marshmallow's errors."""

    warnings: list[Issue] = field(default_factory=list)
    parsed: dict[str, object] = field(default_factory=dict)


_sink: contextvars.ContextVar[_LoadSink | None] = contextvars.ContextVar(
    "edabu_lite_identity_load_sink", default=None
)


def report_warning(issue: Issue) -> None:
    """Record a warning for the running `IssueSchema.load_issues` (dropped outside one)."""
    sink = _sink.get()
    if sink is not None:
        sink.warnings.append(issue)


class _IdentityField(fields.Field):
    """Shared behaviour: parse with an identity parser, raise errors, report warnings.

    ``required`` means an empty cell is an error (``<prefix>.required``); otherwise an empty
    cell loads as None. A missing key counts as an empty cell.
    """

    issue_prefix = ""

    def __init__(self, *, required: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", True)
        super().__init__(required=required, **kwargs)
        self._required_code = f"{self.issue_prefix}.required"

    def _parse(self, value: object, column: str | None) -> ParseResult[Any]:
        raise NotImplementedError

    def deserialize(
        self,
        value: Any,
        attr: str | None = None,
        data: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        # Bypasses marshmallow's own missing/null handling: an empty cell gets our issue code.
        value = None if value is missing else value
        for func in self.pre_load:
            value = func(value)
        result = self._parse(value, attr)
        issues = result.issues
        if issues:
            if not self.required and issues[0].code == self._required_code:
                return None
            errors = [issue for issue in issues if issue.is_error]
            for issue in issues:
                if not issue.is_error:
                    report_warning(issue)
            if errors:
                raise ValidationError(errors)
        self._remember(attr, result.parts)
        output = result.value
        if self.validators and output is not None:
            self._validate(output)
        for func in self.post_load:
            output = func(output)
        return output

    @staticmethod
    def _remember(attr: str | None, parts: object) -> None:
        sink = _sink.get()
        if sink is not None and attr is not None and parts is not None:
            sink.parsed[attr] = parts

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)


class NIK(_IdentityField):
    """A NIK cell: loads the 16-digit string; nik.* issues; parts via `IssueSchema.parsed`.

    ``warnings=False``: its errors only, for a NIK that names someone whose own row (or the
    upload that stored them) reports the warnings already (a dependant's worker, the
    subject of a mutation)."""

    issue_prefix = "nik"

    def __init__(self, *, today: date | None = None, warnings: bool = True, **kwargs: Any) -> None:
        self.today = today
        self.warnings = warnings
        super().__init__(**kwargs)

    def _parse(self, value: object, column: str | None) -> ParseResult[Any]:
        result = parse_nik(value, today=self.today, column=column)
        if self.warnings or all(issue.is_error for issue in result.issues):
            return result
        errors = tuple(issue for issue in result.issues if issue.is_error)
        return ParseResult(result.value, result.parts, errors)


class KK(_IdentityField):
    """A KK cell: loads the 16-digit string; kk.* issues (same_as_nik is a row-level check)."""

    issue_prefix = "kk"

    def __init__(self, *, today: date | None = None, **kwargs: Any) -> None:
        self.today = today
        super().__init__(**kwargs)

    def _parse(self, value: object, column: str | None) -> ParseResult[Any]:
        return parse_kk(value, today=self.today, column=column)


class CardNumber(_IdentityField):
    """The optional 13-digit JKN card number; loads the string or None."""

    issue_prefix = "card_number"

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("required"):
            raise ValueError("the card number is optional: the contract has no required code")
        super().__init__(required=False, **kwargs)

    def _parse(self, value: object, column: str | None) -> ParseResult[Any]:
        return parse_card_number(value, column=column)


_REQUIRED_MESSAGES = frozenset(
    {
        fields.Field.default_error_messages["required"],
        fields.Field.default_error_messages["null"],
    }
)


class IssueSchema(Schema):
    """Base for row schemas that report `Issue` objects. Use `load_issues`, not ``load``.

    Unknown keys are excluded: unknown columns are reported once per file, not per row.

    A roster import loads every row of a 300,000-row sheet through one instance, so the
    per-row work is kept to the fields' own: the field loop (`_deserialize`) walks a plan
    made once per instance instead of marshmallow's generic one, which builds a closure and
    a keyword dict per field and row for partial loading, nested schemas and unknown keys
    (none of which a row schema uses; with them it falls back to marshmallow's). Hooks,
    the error store, field validators and post-load run as marshmallow runs them.
    """

    class Meta:
        unknown = EXCLUDE

    def _deserialize(  # type: ignore[override]
        self,
        data: Any,
        *,
        error_store: Any,
        many: bool = False,
        partial: Any = None,
        unknown: Any = EXCLUDE,
        index: int | None = None,
    ) -> Any:
        if many or partial or unknown != EXCLUDE or not isinstance(data, Mapping):
            return super()._deserialize(
                data,
                error_store=error_store,
                many=many,
                partial=partial,
                unknown=unknown,
                index=index,
            )
        loaded = self.dict_class()
        for key, attribute, field_obj in self._load_plan:
            try:
                value = field_obj.deserialize(data.get(key, missing), key, data)
            except ValidationError as error:
                error_store.store_error(error.messages, key, index=index)
                continue
            if value is not missing:
                loaded[attribute] = value
        return loaded

    @functools.cached_property
    def _load_plan(self) -> tuple[tuple[str, str, fields.Field], ...]:
        """(data key, attribute, field) of each load field, in declaration order."""
        return tuple(
            (field_obj.data_key or name, field_obj.attribute or name, field_obj)
            for name, field_obj in self.load_fields.items()
        )

    @functools.cached_property
    def _column_order(self) -> dict[str, int]:
        return {key: index for index, (key, _attribute, _field) in enumerate(self._load_plan)}

    def load_issues(
        self, raw: Mapping[str, Any], row: int | None = None
    ) -> tuple[dict[str, Any] | None, list[Issue]]:
        """Load one row; data is None when any issue is an error. Never raises on cell values."""
        if not isinstance(raw, Mapping):
            raise TypeError(f"a row must be a mapping, not {type(raw).__name__}")
        sink = _LoadSink()
        token = _sink.set(sink)
        try:
            data: dict[str, Any] | None = self.load(raw)
            messages: Mapping[str, Any] = {}
        except ValidationError as error:
            data = None
            messages = error.normalized_messages()
        finally:
            _sink.reset(token)
        issues = self._issues_from_messages(messages) + sink.warnings
        issues = self._placed(issues, row)
        if data is not None and any(issue.is_error for issue in issues):
            data = None
        return data, issues

    def warn(self, issue: Issue) -> None:
        """Report a warning from a schema hook (``@validates_schema``, ``@post_load``)."""
        report_warning(issue)

    def parsed(self, key: str) -> Any:
        """What the identity field with data key ``key`` decoded in this load, or None.

        `NikParts` for NIK, `KkParts` for KK; None outside `load_issues` or after an error.
        """
        sink = _sink.get()
        return sink.parsed.get(key) if sink is not None else None

    def _issues_from_messages(self, messages: Mapping[str, Any]) -> list[Issue]:
        issues: list[Issue] = []
        for key, value in messages.items():
            column = None if key == SCHEMA else str(key)
            for message in _flatten(value):
                if isinstance(message, Issue):
                    if not message.column:
                        message = message.with_position(column=column)
                    issues.append(message)
                else:
                    issues.append(Issue(self._code_for(column, str(message)), column))
        return issues

    def _code_for(self, column: str | None, message: str) -> str:
        prefix = self._issue_prefix(column)
        if prefix is None:
            raise LookupError(f"no issue code for schema-level message {message!r}")
        # A coded cell without a .required code (sex, relationship...) reports an empty one as
        # invalid: the user must pick one of the allowed values either way.
        if message in _REQUIRED_MESSAGES:
            suffixes: tuple[str, ...] = ("required", "invalid", "format")
        else:
            suffixes = ("format", "invalid")
        for suffix in suffixes:
            code = f"{prefix}.{suffix}"
            if code in CATALOGUE:
                return code
        raise LookupError(f"no issue code for {column!r} message {message!r}")

    def _issue_prefix(self, column: str | None) -> str | None:
        if column is None:
            return None
        for name, field_obj in self.load_fields.items():
            if (field_obj.data_key or name) == column:
                return getattr(field_obj, "issue_prefix", None) or column
        return column

    def _placed(self, issues: list[Issue], row: int | None) -> list[Issue]:
        if not issues:
            return issues
        order = self._column_order
        if row is not None:
            issues = [
                issue.with_position(row=row) if issue.row is None else issue for issue in issues
            ]
        # Stable sort: issues of a column together, columns in schema order, row-level last.
        return sorted(issues, key=lambda issue: order.get(issue.column or "", len(order)))


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [item for nested in value.values() for item in _flatten(nested)]
    if isinstance(value, list | tuple):
        return [item for nested in value for item in _flatten(nested)]
    return [value]


def issue_error(*issues: Issue, column: str | None = None) -> ValidationError:
    """A ValidationError carrying issues, for schema hooks: ``raise issue_error(Issue(...))``."""
    return ValidationError(list(issues), field_name=column or SCHEMA)
