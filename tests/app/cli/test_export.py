"""``signoff export``: decisions driven through real workflows become exactly the
expected SFT, DPO, KTO and evaluation rows, each with its lineage, which
``datasets.load_dataset("json", ...)`` reads as TRL's trainers expect."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import pytest
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.store import Store
from signoff.core.models import ChainedEvent, ChatMessage, ModelInfo
from tests.app.cli.conftest import Cli, env_for, runner_for
from tests.conftest import Harness, make_request
from tests.helpers.waiting import eventually

ORIGINAL = "Refund $120 to the customer's card."
EDITED = "Refund $90 to the customer's card."
CORRECTED = "Refund $100 to the customer's card."
SECRET = "an-operator-secret-of-at-least-32-characters"
CHAT = [
    ChatMessage(role="system", content="You decide refunds."),
    ChatMessage(role="user", content="B: the kettle arrived broken."),
]


@dataclass
class Driven:
    use_case: str
    ids: dict[str, str]
    events: dict[str, list[ChainedEvent]]

    def hash_of(self, name: str, kind: str, actor: str | None = None) -> str:
        found = [e for e in self.events[name] if e.kind == kind and actor in (None, e.actor)]
        return found[-1].hash


async def _settled(store: Store, decision_id: str, *kinds: str) -> list[ChainedEvent]:
    async def written() -> list[ChainedEvent] | None:
        events = await store.events(decision_id)
        state = await store.decision_state(decision_id)
        have = [e.kind for e in events]
        done = state is not None and state.outcome is not None
        return events if done and all(have.count(k) >= n for k, n in _needs(kinds)) else None

    return await eventually(written, timeout=20)


def _needs(kinds: tuple[str, ...]) -> list[tuple[str, int]]:
    return [(k, kinds.count(k)) for k in dict.fromkeys(kinds)]


@pytest.fixture
async def driven(live: Harness, store: Store) -> Driven:
    """Six decisions of a use case of their own, through the real worker: A approved
    unchanged then thumbed (alice up, bob down), B edited then approved (chat input),
    C rejected, D approved then labelled by two agreeing experts and corrected, E
    approved without a model input, F approved for another model."""
    use_case = f"export-{uuid.uuid4().hex[:8]}"
    s = live.signoff

    def request(policy: str, **fields: Any):  # type: ignore[no-untyped-def]
        return make_request(policy, use_case=use_case, **fields)

    a = request("first-lead", model_input="A: the parcel arrived crushed.")
    b = request("first-lead", model_input=CHAT)
    c = request("first-lead", model_input="C: the customer wants a refund for a used kettle.")
    d = request("expert-labels", model_input="D: the card was charged twice.")
    e = request("first-lead")
    f = request(
        "first-lead",
        model_input="F: another model's case.",
        model=ModelInfo(name="other-llm", version="1", prompt_version="p1"),
    )
    for r in (a, b, c, d, e, f):
        await s.submit(r)
    await s.perform(a.id, "approve", "alice")
    await s.perform(a.id, "thumb", "alice", thumb="up")
    await s.perform(a.id, "thumb", "bob", thumb="down")
    await s.perform(b.id, "edit", "alice", edited_text=EDITED)
    await s.perform(c.id, "reject", "alice", reason="Used items are not refunded.")
    await s.perform(d.id, "approve", "alice")
    await s.perform(d.id, "ground_truth", "xena", label="legit")
    await s.perform(d.id, "ground_truth", "yuri", label="legit")
    await s.perform(d.id, "correction", "bob", reason=CORRECTED)
    await s.perform(e.id, "approve", "alice")
    await s.perform(f.id, "approve", "bob")
    ids = {"A": a.id, "B": b.id, "C": c.id, "D": d.id, "E": e.id, "F": f.id}
    needs = {
        "A": ("finalized", "feedback", "feedback"),
        "D": ("finalized", "ground_truth", "correction"),
    }
    events = {
        name: await _settled(store, decision_id, *needs.get(name, ("finalized",)))
        for name, decision_id in ids.items()
    }
    return Driven(use_case, ids, events)


def _lineage(driven: Driven, name: str, source: str, event_hash: str, reviewers: list[str]):  # type: ignore[no-untyped-def]
    other = name == "F"
    return {
        "decision_id": driven.ids[name],
        "audit_event_hash": event_hash,
        "label_source": source,
        "use_case": driven.use_case,
        "model_name": "other-llm" if other else "support-llm",
        "model_version": "1" if other else "2026-10",
        "prompt_version": "p1" if other else "v7",
        "policy_name": "expert-labels" if name == "D" else "first-lead",
        "reviewers": reviewers,
    }


def _loaded(path: Path) -> list[dict[str, Any]]:
    """The file as ``datasets`` reads it, lineage trimmed to what the spec fixes."""
    rows = datasets.load_dataset("json", data_files=str(path), split="train").to_list()
    for row in rows:
        lineage = row["lineage"]
        assert lineage.pop("policy_version").startswith("catalog:")
        assert lineage.pop("submitted_at")
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def _assistant(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def _chat() -> list[dict[str, str]]:
    return [m.model_dump() for m in CHAT]


async def _export(cli: Cli, out: Path, *args: str) -> str:
    result = await cli("export", "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    return result.output


async def test_sft_rows_are_the_outputs_reviewers_let_go_out(
    driven: Driven, cli: Cli, tmp_path: Path
) -> None:
    said = await _export(cli, tmp_path, "--format", "sft", "--use-case", driven.use_case)

    fin = lambda n: driven.hash_of(n, "finalized")  # noqa: E731
    assert _loaded(tmp_path / "sft.jsonl") == _sorted(
        [
            {
                "prompt": f"{n}: {p}",
                "completion": ORIGINAL,
                "lineage": _lineage(driven, n, "human_decision", fin(n), [who]),
            }
            for n, p, who in (
                ("A", "the parcel arrived crushed.", "alice"),
                ("D", "the card was charged twice.", "alice"),
                ("F", "another model's case.", "bob"),
            )
        ]
    )
    assert _loaded(tmp_path / "sft.conversational.jsonl") == [
        {
            "prompt": _chat(),
            "completion": _assistant(EDITED),
            "lineage": _lineage(driven, "B", "human_decision", fin("B"), ["alice"]),
        }
    ]
    assert "1 decisions without a model input skipped" in said
    card = (tmp_path / "README.md").read_text()
    assert "6 final decisions matched; 1\nof them carried no model input" in card
    assert "- `sft.jsonl`: 3 rows" in card and "- `sft.conversational.jsonl`: 1 rows" in card
    assert f"- use_case: `{driven.use_case}`" in card and "TODO(operator)" in card


async def test_dpo_rows_prefer_edits_and_corrections_over_the_ais_output(
    driven: Driven, cli: Cli, tmp_path: Path
) -> None:
    await _export(cli, tmp_path, "--format", "dpo", "--use-case", driven.use_case)

    assert _loaded(tmp_path / "dpo.jsonl") == [
        {
            "prompt": "D: the card was charged twice.",
            "chosen": CORRECTED,
            "rejected": ORIGINAL,
            "lineage": _lineage(
                driven, "D", "correction", driven.hash_of("D", "correction"), ["bob"]
            ),
        }
    ]
    assert _loaded(tmp_path / "dpo.conversational.jsonl") == [
        {
            "prompt": _chat(),
            "chosen": _assistant(EDITED),
            "rejected": _assistant(ORIGINAL),
            "lineage": _lineage(
                driven, "B", "human_decision", driven.hash_of("B", "finalized"), ["alice"]
            ),
        }
    ]


async def test_kto_rows_label_outputs_from_decisions_and_thumbs(
    driven: Driven, cli: Cli, tmp_path: Path
) -> None:
    await _export(cli, tmp_path, "--format", "kto", "--use-case", driven.use_case)

    fin = lambda n: driven.hash_of(n, "finalized")  # noqa: E731
    thumb = lambda who: driven.hash_of("A", "feedback", who)  # noqa: E731

    def row(n: str, prompt: str, label: bool, source: str, h: str, who: str) -> dict[str, Any]:
        return {
            "prompt": prompt,
            "completion": ORIGINAL,
            "label": label,
            "lineage": _lineage(driven, n, source, h, [who]),
        }

    a, c, d = (
        "A: the parcel arrived crushed.",
        "C: the customer wants a refund for a used kettle.",
        "D: the card was charged twice.",
    )
    assert _loaded(tmp_path / "kto.jsonl") == _sorted(
        [
            row("A", a, True, "human_decision", fin("A"), "alice"),
            row("A", a, True, "thumbs", thumb("alice"), "alice"),
            row("A", a, False, "thumbs", thumb("bob"), "bob"),
            row("C", c, False, "human_decision", fin("C"), "alice"),
            row("D", d, True, "human_decision", fin("D"), "alice"),
            row("F", "F: another model's case.", True, "human_decision", fin("F"), "bob"),
        ]
    )
    b = _lineage(driven, "B", "human_decision", fin("B"), ["alice"])
    assert _loaded(tmp_path / "kto.conversational.jsonl") == _sorted(
        [
            {"prompt": _chat(), "completion": _assistant(ORIGINAL), "label": False, "lineage": b},
            {"prompt": _chat(), "completion": _assistant(EDITED), "label": True, "lineage": b},
        ]
    )


async def test_an_evaluation_set_pairs_the_input_with_the_experts_ground_truth(
    driven: Driven, cli: Cli, tmp_path: Path
) -> None:
    await _export(cli, tmp_path, "--format", "eval", "--use-case", driven.use_case)

    assert _loaded(tmp_path / "eval.jsonl") == [
        {
            "prompt": "D: the card was charged twice.",
            "completion": ORIGINAL,
            "ground_truth": "legit",
            "lineage": _lineage(
                driven, "D", "expert", driven.hash_of("D", "ground_truth"), ["xena", "yuri"]
            ),
        }
    ]
    assert not (tmp_path / "eval.conversational.jsonl").exists()


async def test_filters_narrow_rows_by_model_time_and_label_source(
    driven: Driven, cli: Cli, tmp_path: Path
) -> None:
    scope = ("--use-case", driven.use_case)

    await _export(cli, tmp_path / "model", "--format", "sft", *scope, "--model", "other-llm")
    await _export(cli, tmp_path / "thumbs", "--format", "kto", *scope, "--label-source", "thumbs")
    said = await _export(
        cli, tmp_path / "later", "--format", "kto", *scope, "--since", "2999-01-01"
    )

    model_rows = _loaded(tmp_path / "model" / "sft.jsonl")
    assert [r["lineage"]["decision_id"] for r in model_rows] == [driven.ids["F"]]
    thumbs = _loaded(tmp_path / "thumbs" / "kto.jsonl")
    assert sorted(r["label"] for r in thumbs) == [False, True]
    assert {r["lineage"]["label_source"] for r in thumbs} == {"thumbs"}
    assert not (tmp_path / "thumbs" / "kto.conversational.jsonl").exists()
    assert "Exported 0 kto rows from 0 decisions" in said
    assert list((tmp_path / "later").iterdir()) == [tmp_path / "later" / "README.md"]


async def test_pseudonyms_are_stable_within_an_export_and_unlinkable_without_the_secret(
    driven: Driven, dev_env: WorkflowEnvironment, live: Harness, tmp_path: Path
) -> None:
    env = env_for(dev_env, live)
    scope = ("--format", "kto", "--use-case", driven.use_case, "--pseudonymise")
    for name, secret in (("one", SECRET), ("two", SECRET[::-1])):
        cli = runner_for(env | {"SIGNOFF_EXPORT_PSEUDONYM_SECRET": secret})
        await _export(cli, tmp_path / name, *scope)

    def reviewers(name: str) -> dict[tuple[str, str], list[str]]:
        rows = _loaded(tmp_path / name / "kto.jsonl")
        return {
            (r["lineage"]["decision_id"], r["lineage"]["label_source"] + str(r["label"])): r[
                "lineage"
            ]["reviewers"]
            for r in rows
        }

    one, two = reviewers("one"), reviewers("two")
    a = driven.ids["A"]
    alice = one[(a, "human_decisionTrue")][0]
    assert one[(a, "thumbsTrue")] == [alice]  # the same person, the same pseudonym
    assert one[(a, "thumbsFalse")] != [alice]  # bob is someone else
    expected = hmac.new(SECRET.encode(), b"alice", hashlib.sha256).hexdigest()[:20]
    assert alice == f"reviewer-{expected}"
    assert "alice" not in alice and hashlib.sha256(b"alice").hexdigest()[:20] not in alice
    assert two[(a, "human_decisionTrue")] != [alice]  # another secret links nothing
    for name in ("one", "two"):
        text = "".join(p.read_text() for p in (tmp_path / name).glob("*.jsonl"))
        assert '"alice"' not in text and '"bob"' not in text
    assert "pseudonyms (`reviewer-`" in (tmp_path / "one" / "README.md").read_text()


async def test_pseudonymising_without_a_secret_is_refused_in_one_sentence(
    cli: Cli, tmp_path: Path
) -> None:
    result = await cli("export", "--format", "sft", "--out", str(tmp_path), "--pseudonymise")

    assert result.exit_code == 2
    assert "--pseudonymise needs the secret in SIGNOFF_EXPORT_PSEUDONYM_SECRET" in result.output
    assert not any(tmp_path.iterdir())


async def test_an_unknown_label_source_is_named(cli: Cli, tmp_path: Path) -> None:
    result = await cli(
        "export", "--format", "kto", "--out", str(tmp_path), "--label-source", "vibes"
    )

    assert result.exit_code == 2
    assert "unknown label source 'vibes'" in result.output
