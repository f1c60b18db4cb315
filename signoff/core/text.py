"""Fitting text and times into the room a card or a terminal gives them, the same way
on every surface."""

from __future__ import annotations

from datetime import UTC, datetime

ELLIPSIS = "…"


def fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the last of them an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def one_line(text: str, limit: int) -> str:
    """``text`` with its white space folded to single spaces, then fitted."""
    return fit(" ".join(text.split()), limit)


def utc_text(moment: datetime | None, *, seconds: bool = False) -> str:
    """A moment as UTC wall time (``-`` for none); a naive one is taken as UTC."""
    if moment is None:
        return "-"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")
