"""Writing events and decisions out for auditors, as JSON Lines or CSV.

JSONL carries each model exactly as ``model_dump(mode="json")`` renders it. CSV keeps
text cells as they are, leaves missing values empty, and writes every other value
(numbers, booleans, lists, objects) as JSON so it parses back without guessing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterable
from typing import Any, Literal, TextIO

from pydantic import BaseModel

Format = Literal["jsonl", "csv"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def write_models(
    out: TextIO, models: AsyncIterable[BaseModel], *, fmt: Format, model: type[BaseModel]
) -> int:
    """Write ``models`` to ``out``; return how many were written.

    Args:
        model: The models' class, whose fields are the CSV header (written even when
            there are no rows, so an empty export is still a readable file).
    """
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"unknown export format {fmt!r}: use 'jsonl' or 'csv'")
    columns = list(model.model_fields)
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
    count = 0
    async for item in models:
        data = item.model_dump(mode="json")
        if writer is None:
            out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
        else:
            writer.writerow({name: _cell(data.get(name)) for name in columns})
        count += 1
    return count
