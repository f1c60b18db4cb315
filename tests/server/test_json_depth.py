"""A body is measured for nesting on its bytes, chunk by chunk, without parsing it."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from signoff.server.json_depth import DepthGauge

nested = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(alphabet='[]{}"\\ab', max_size=8)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=20,
)


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@given(value=nested, cut=st.integers(1, 9))
def test_the_gauge_agrees_with_the_parsed_depth_whatever_the_chunks(
    value: object, cut: int
) -> None:
    body = json.dumps(value).encode()
    depth = depth_of(value)
    for limit in (max(depth - 1, 0), depth):
        gauge = DepthGauge(limit)
        said = any(gauge.too_deep(body[i : i + cut]) for i in range(0, len(body), cut))
        assert said == (depth > limit), (body, limit)


def test_brackets_and_escaped_quotes_inside_strings_do_not_count() -> None:
    body = json.dumps({"text": '[[[{{{ \\" ]]] "' * 100}).encode()
    gauge = DepthGauge(1)
    assert not gauge.too_deep(body)
    assert gauge.depth == 0
