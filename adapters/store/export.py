"""Writing events and decisions out for auditors, as JSON Lines or CSV.

JSONL carries each model exactly as ``model_dump(mode="json")`` renders it. CSV keeps
text cells as they are, leaves missing values empty, and writes every other value
(numbers, booleans, lists, objects) as JSON so it parses back without guessing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, Literal, TextIO

from pydantic import BaseModel

Format = Literal["jsonl", "csv"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def rendered(
    models: AsyncIterable[BaseModel], *, fmt: Format, model: type[BaseModel]
) -> AsyncIterator[str]:
    """Each of ``models`` as one line of JSON Lines or CSV, newline included; CSV begins
    with its header (written even when there are no rows, so an empty export is still a
    readable file). Lines come as rows do, so a slow reader holds back the query."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown export format {fmt!r}: use 'jsonl' or 'csv'")
    columns = list(model.model_fields)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    if fmt == "csv":
        writer.writeheader()
        yield _taken(buffer)
    async for item in models:
        data = item.model_dump(mode="json")
        if fmt == "jsonl":
            yield json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
        else:
            writer.writerow({name: _cell(data.get(name)) for name in columns})
            yield _taken(buffer)


async def write_models(
    out: TextIO, models: AsyncIterable[BaseModel], *, fmt: Format, model: type[BaseModel]
) -> int:
    """Write ``models`` to ``out`` (see :func:`rendered`); return how many were written.

    Args:
        model: The models' class, whose fields are the CSV header.
    """
    count = 0
    async for line in rendered(models, fmt=fmt, model=model):
        out.write(line)
        count += 1
    return count - 1 if fmt == "csv" else count


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
