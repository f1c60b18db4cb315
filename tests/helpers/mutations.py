"""Mutating JSON-like documents for the fuzz specs, and collecting what Hypothesis makes.

A fuzz spec starts from a document Signoff accepts (a Slack payload, a policy file, a
decision request) and breaks it one path at a time, so most inputs get past the parser
and reach the code that has to refuse them.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

DELETE = object()
"""Put at a path: the key (or list item) is removed instead."""

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.none()), max_size=3),
)
"""A value of any JSON type, small."""
not_a_string = junk.filter(lambda value: not isinstance(value, str))


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value (keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def mutated(payload: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``payload`` with ``value`` at ``path`` (or the path removed, for DELETE)."""
    copied = copy.deepcopy(payload)
    parent: Any = copied
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return copied  # an earlier mutation removed the way there
    last = path[-1]
    if isinstance(parent, dict):
        if value is DELETE:
            parent.pop(last, None)
        else:
            parent[last] = value
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        if value is DELETE:
            del parent[last]
        else:
            parent[last] = value
    return copied


def collect(strategy: st.SearchStrategy[Any], *, max_examples: int | None = None) -> list[Any]:
    """What Hypothesis generates from ``strategy`` under the active profile (at most
    ``max_examples``, for inputs that each cost real time to send).

    ``@given`` cannot await, and the specs that send their inputs to a live worker or
    bot run on the test's event loop: they take the whole batch first, then send it.
    """
    found: list[Any] = []

    @given(strategy)
    def gather(example: Any) -> None:
        found.append(example)

    if max_examples is not None:
        gather = settings(max_examples=max_examples)(gather)
    gather()
    return found
