"""Building a :class:`DecisionRequest` from a JSON/YAML file, flags, or both.

Flags override the file field by field, so a stored request can be resubmitted under a
new id or policy. Everything is validated once, by the model, so a mistake is reported
with the same field names whether it came from the file or a flag.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml

from signoff.app.cli.failures import USAGE, CliError
from signoff.core.models import DecisionRequest


def read_request_file(path: Path) -> dict[str, Any]:
    """The mapping in ``path`` (``-`` reads stdin); JSON by suffix, YAML otherwise."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"Cannot read {path}: {exc.strerror or exc}.", USAGE) from None
    except UnicodeDecodeError as exc:
        bad = f"byte {exc.start + 1} is 0x{exc.object[exc.start]:02x}"
        raise CliError(f"{path} is not UTF-8 text ({bad}).", USAGE) from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix == ".json" else "YAML"
        problem = str(exc).splitlines()[0]
        raise CliError(f"{path} is not valid {kind}: {problem}.", USAGE) from None
    if not isinstance(data, dict):
        raise CliError(f"{path} must hold a mapping of request fields.", USAGE)
    return data


def parse_payload(payload: str | None) -> dict[str, Any] | None:
    if payload is None:
        return None
    try:
        value = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise CliError(f"--payload is not valid JSON: {exc.msg}.", USAGE) from None
    if not isinstance(value, dict):
        raise CliError("--payload must be a JSON object.", USAGE)
    return value


def build_request(base: dict[str, Any], flags: dict[str, Any]) -> DecisionRequest:
    """Merge flags (None means "not given") over ``base`` and validate.

    Raises:
        pydantic.ValidationError: naming the fields at fault.
    """
    data = dict(base)
    nested = {
        "text": ("proposal", "text"),
        "payload": ("proposal", "payload"),
        "model": ("model", "name"),
        "model_version": ("model", "version"),
        "prompt_version": ("model", "prompt_version"),
    }
    for name, value in flags.items():
        if value is None or value == []:
            continue
        if name in nested:
            outer, inner = nested[name]
            section = data.get(outer)
            data[outer] = {**(section if isinstance(section, dict) else {}), inner: value}
        else:
            data[name] = value
    # Only an id that was never given is made up: a file's or a flag's id is the
    # idempotency key and must be kept as written.
    data.setdefault("id", f"cli-{uuid.uuid4().hex[:12]}")
    return DecisionRequest.model_validate(data)
