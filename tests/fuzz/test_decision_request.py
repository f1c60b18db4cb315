"""``DecisionRequest`` under generated input: whatever an application sends, the model
either refuses it with a ``ValidationError`` or accepts a request that survives the trip
through JSON unchanged — the trip every request takes into Temporal and back, and the
comparison that tells a resubmission from a conflicting request.

Inputs are the shipped example request, the suite's own request and one carrying an
inline policy from the fixture policies, each broken one to three fields at a time:
fields dropped, retyped or added, strings empty, huge or just over their limits,
invisible or full-width characters in the requester's id, numbers that are not finite,
payloads and metadata of any JSON shape, policies nested where names go.
"""

from __future__ import annotations

import json
import math
from typing import Any

import yaml
from hypothesis import event, given
from hypothesis import strategies as st
from pydantic import ValidationError

from signoff.core.models import DecisionRequest
from signoff.core.models.request import MAX_REQUEST_BYTES
from signoff.core.settings import EXAMPLE_REQUEST
from tests.conftest import FIXTURES, make_request
from tests.helpers.mutations import DELETE, junk, mutated, paths

INLINE = yaml.safe_load((FIXTURES / "policies.yaml").read_text(encoding="utf-8"))["policies"][7]
REQUESTS = [
    json.loads(EXAMPLE_REQUEST.read_text(encoding="utf-8")),
    make_request("first-lead").model_dump(mode="json"),
    {**make_request("first-lead").model_dump(mode="json"), "policy": INLINE},
]
FIELDS = sorted(DecisionRequest.model_fields)
FREE_FORM = [
    ("metadata",),
    ("metadata", "note"),
    ("proposal", "payload"),
    ("proposal", "payload", "x"),
]

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(),  # NaN and infinities too: Python's json module reads and writes them
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
principal_ids = st.sampled_from(
    [
        "rita\u200b",  # zero-width space
        "\u202erita",  # right-to-left override
        "\uff52\uff49\uff54\uff41",  # full-width: the same person once folded
        "ri\u0301ta",  # a combining accent
        " rita",
        "rita\n",
        "",
        "r" * 200,
        "r" * 201,
    ]
)
near_limits = st.sampled_from([0, 1, 199, 200, 201, 499, 500, 501, 20_000, 20_001, 100_001]).map(
    lambda n: "é" * n
)
values = st.one_of(
    junk,
    json_values,
    principal_ids,
    near_limits,
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["first-lead", "nope", "low", "critical", "https://example.com/a b", "ftp:x"]),
    st.integers(0, 60).map(lambda n: [{"title": f"source {i}"} for i in range(n)]),
    st.just(INLINE),
)


@st.composite
def request_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid request with one to three fields (anywhere inside) changed or dropped, or
    a field added at the top."""
    document = draw(st.sampled_from(REQUESTS))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["anywhere", "field", "new field", "free-form"]))
        if where == "free-form":  # what the model takes as any JSON: most often accepted
            path = draw(st.sampled_from(FREE_FORM))
            document = mutated(document, path, draw(json_values))
            continue
        if where == "anywhere":
            path = draw(st.sampled_from(paths(document)))
        elif where == "field":
            path = (draw(st.sampled_from(FIELDS)),)
        else:
            path = (draw(st.text(max_size=12)),)
        value = draw(st.one_of(st.just(DELETE), values))
        document = mutated(document, path, value)
    return document


@given(document=request_documents())
def test_a_request_is_refused_or_survives_the_trip_through_json(document: dict[str, Any]) -> None:
    try:
        request = DecisionRequest.model_validate(document)
    except ValidationError:
        event("refused")
        return
    event("accepted")
    dumped = request.model_dump_json()
    assert DecisionRequest.model_validate_json(dumped) == request
    assert request.differences(DecisionRequest.model_validate_json(dumped)) == []
    problem = request.size_problem()
    assert (problem is None) == (len(dumped.encode()) <= MAX_REQUEST_BYTES)


@given(padding=st.integers(-64, 64), unicode=st.booleans())
def test_a_request_near_the_size_limit_is_measured_as_it_is_sent(
    padding: int, unicode: bool
) -> None:
    """The limit is on the JSON Temporal carries: a request a few bytes over it is named
    in one sentence, one a few bytes under is not."""
    request = make_request("first-lead", metadata={"pad": ""})
    room = MAX_REQUEST_BYTES - len(request.model_dump_json().encode()) + padding
    char = "é" if unicode else "x"  # two bytes in UTF-8, one
    pad = char * math.ceil(room / len(char.encode())) if room > 0 else ""
    padded = make_request("first-lead", id=request.id, metadata={"pad": pad})
    size = len(padded.model_dump_json().encode())

    problem = padded.size_problem()

    if size <= MAX_REQUEST_BYTES:
        assert problem is None
    else:
        assert problem is not None
        assert len(problem.splitlines()) == 1
