"""Offline validation of our own responses against the official OAI-PMH schemas in
../shared/xsd (or $OAI_SCHEMA_DIR): a thin user of ``oai.validate.schemas``, which owns the
schema folder, the URL resolver and the driver schema.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from oai.validate import schemas as _schemas
from oai.validate.schemas import IMPORTS  # noqa: F401 - part of this module's API

_HERE = Path(__file__).resolve().parent
_SHARED = _HERE.parent.parent / "shared" / "xsd"


def schema_dir() -> Path | None:
    return _schemas.schema_dir([_SHARED])


def load_validator() -> tuple[Callable[[bytes], None] | None, str]:
    """``validate(body)`` raising AssertionError with every schema error, or None and why."""
    loaded, reason = _schemas.find_and_load([_SHARED])
    if loaded is None:
        return None, reason

    def validate(body: bytes) -> None:
        problems = loaded.problems(body)
        if problems:
            errors = "\n".join(problems)
            raise AssertionError(f"response is not schema-valid:\n{errors}\n---\n"
                                 f"{body[:2000].decode('utf-8', 'replace')}")

    return validate, ""
