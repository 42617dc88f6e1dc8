"""Pure parsing and validation of Indonesian identity numbers: NIK, KK and the JKN card number.

No Flask, Babel or database imports here, so the web upload, the API, the CLI, background jobs and
property tests all share the same rules. Every parser returns a `ParseResult` (clean value,
decoded parts, `Issue` tuple) and never raises on cell values.
"""

from edabu_lite.identity.card import CARD_NUMBER_LENGTH, parse_card_number
from edabu_lite.identity.dates import FEMALE, MALE
from edabu_lite.identity.fields import KK, NIK, CardNumber, IssueSchema, issue_error, report_warning
from edabu_lite.identity.kk import KK_LENGTH, KkParts, check_kk_not_nik, parse_kk
from edabu_lite.identity.nik import (
    NIK_LENGTH,
    NikParts,
    check_nik_against_row,
    is_valid_nik,
    parse_nik,
)
from edabu_lite.identity.normalise import classify_cell, normalise_digits
from edabu_lite.identity.privacy import NikRedactingFilter, mask_kk, mask_nik, redact_niks
from edabu_lite.identity.regions import (
    HISTORICAL_REGENCIES,
    PROVINCES,
    Region,
    RegionTable,
    get_regions,
    set_regions,
)
from edabu_lite.identity.result import ParseResult

__all__ = [
    "CARD_NUMBER_LENGTH",
    "FEMALE",
    "HISTORICAL_REGENCIES",
    "KK",
    "KK_LENGTH",
    "MALE",
    "NIK",
    "NIK_LENGTH",
    "PROVINCES",
    "CardNumber",
    "IssueSchema",
    "KkParts",
    "NikParts",
    "NikRedactingFilter",
    "ParseResult",
    "Region",
    "RegionTable",
    "check_kk_not_nik",
    "check_nik_against_row",
    "classify_cell",
    "get_regions",
    "is_valid_nik",
    "issue_error",
    "mask_kk",
    "mask_nik",
    "normalise_digits",
    "parse_card_number",
    "parse_kk",
    "parse_nik",
    "redact_niks",
    "report_warning",
    "set_regions",
]
