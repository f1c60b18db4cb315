"""What drawing a card costs, in Slack and Teams, for an ordinary and a crowded decision.

    python bench/cards.py [--repeat 2000]

Every state change redraws every card, so the render runs on the worker once per card
per change. For each decision shape it prints, per channel: microseconds per render
(best of 5 runs of ``--repeat``), the payload's JSON size, and for Slack the block count
against Slack's limit of 50. Teams' own limit is about 28 KB per message. Figures only;
it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import timeit
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signoff.bots.slack.blocks import approval_blocks
from signoff.bots.teams.rendering import personal_card, shared_card
from signoff.core.card_view import card_view
from signoff.core.models import (
    Directory,
    Edit,
    Principal,
    Proposal,
    Quorum,
    Source,
    StageState,
    Status,
    Vote,
)
from tests.helpers.builders import SUBMITTED_AT, make_outcome, make_request, make_state

PEOPLE = [f"p{n:02d}" for n in range(40)]
DIRECTORY = Directory(
    people=[
        Principal(id=p, name=f"Person {p}", identities={"slack": f"U{p}", "teams": f"aad-{p}"})
        for p in [*PEOPLE, "alice", "bob", "dave", "erin"]
    ]
)


def ordinary() -> Any:
    return make_state()


def crowded() -> Any:
    """20 people asked, 10 votes with reasons, a 5,000-character proposal, 15 sources,
    12 known limitations."""
    request = make_request(
        proposal=Proposal(text="Refund the customer in full. " * 170),
        sources=[Source(title=f"Ticket {n}", url=f"https://example.com/t/{n}") for n in range(15)],
        known_limitations=[f"Limitation {n}: the model cannot see attachments." for n in range(12)],
    )
    stage = StageState(
        index=0,
        name="crowd",
        asked=PEOPLE[:20],
        quorum=Quorum(kind="all"),
        votes=[
            Vote(actor=p, verdict="approve", at=SUBMITTED_AT, reason="Looks right to me.")
            for p in PEOPLE[:10]
        ],
        started_at=SUBMITTED_AT,
        deadline=SUBMITTED_AT + timedelta(hours=4),
    )
    return make_state(request=request, stage=stage)


def final_with_edit() -> Any:
    return make_state(
        status=Status.APPROVED_WITH_EDITS,
        edit=Edit(actor="alice", text="Refund 30 EUR.", at=SUBMITTED_AT),
        outcome=make_outcome(status=Status.APPROVED_WITH_EDITS, final_text="Refund 30 EUR."),
    )


def measure(render: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    payload = render()
    best = min(timeit.repeat(render, number=repeat, repeat=5)) / repeat
    return best * 1e6, payload


def main(repeat: int) -> None:
    print(f"{'decision':<18}{'channel':<16}{'µs/render':>11}{'JSON bytes':>12}  notes")
    for name, shape in (
        ("ordinary", ordinary),
        ("crowded", crowded),
        ("final, edited", final_with_edit),
    ):
        state = shape()
        viewer = state.stage.asked[0] if state.stage else "alice"
        renders: dict[str, Callable[[], Any]] = {
            "slack": lambda state=state: approval_blocks(card_view(state)),
            "teams shared": lambda state=state: shared_card(state, DIRECTORY),
            "teams personal": lambda state=state, v=viewer: personal_card(state, DIRECTORY, v),
        }
        for channel, render in renders.items():
            micros, payload = measure(render, repeat)
            size = len(json.dumps(payload, ensure_ascii=False).encode())
            notes = f"{len(payload)} of 50 blocks" if channel == "slack" else ""
            print(f"{name:<18}{channel:<16}{micros:>11.0f}{size:>12,}  {notes}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    main(parser.parse_args().repeat)
