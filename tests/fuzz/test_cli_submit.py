"""``signoff submit`` under generated input, against a real worker: whatever file and
flags a person gives it, it exits 0 with a routed decision, or 1 or 2 with exactly one
line on stderr — never a traceback — and a refused submission leaves nothing behind.

Inputs are the request file a person writes (YAML or JSON) broken a few fields at a
time, the same file cut and spliced as text, bytes that are not UTF-8, no file or one
that is not there, and flags over them: ``--confidence nan``, ``--risk huge``,
``--payload '[1]'``, empty strings, unknown policies and people, invisible characters.

What counts as "nothing behind": a request the CLI refuses itself (exit 2) starts no
workflow (Temporal knows no ``signoff-<id>``) and writes no audit row. A request the
worker refuses (an unknown policy or requester: exit 1) is, by design, refused by the
decision's own workflow, which fails at once: it may exist, but only as FAILED, and no
audit row is written for it. Afterwards a valid request still submits and is approved.

Each invocation runs the real typer app and costs real time, so this spec takes a
quarter of the profile's examples (75 bounded, about 30 s; 1,250 with SIGNOFF_FUZZ=deep).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings
from hypothesis import strategies as st
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from typer.testing import Result

from signoff.adapters.store import Store
from signoff.core.contract import workflow_id_for
from tests.app.cli.conftest import REQUEST_FIELDS, Cli, env_for, runner_for, write_request
from tests.conftest import Harness
from tests.helpers.mutations import DELETE, collect, junk, mutated, paths

ID = "FUZZ-ID"  # stands for the example's own decision id until it is sent
BASE: dict[str, Any] = {"id": ID, **REQUEST_FIELDS}
AS_FLAGS = [
    *("--id", ID, "--use-case", "refunds", "--subject", "order-78", "--title", "Refund $12"),
    *("--text", "Refund $12.", "--confidence", "0.6", "--model", "support-llm"),
    *("--requester", "rita", "--policy", "first-lead"),
]
FLAGS: list[tuple[str, ...]] = [
    # valid over any request
    ("--confidence", "0.5"),
    ("--risk", "low"),
    ("--payload", '{"amount": 64}'),
    ("--flag", "pii"),
    ("--policy", "crowd-first"),
    ("--json",),
    # invalid
    ("--confidence", "nan"),
    ("--confidence", "inf"),
    ("--confidence", "2"),
    ("--confidence", ""),
    ("--confidence", "abc"),
    ("--confidence",),
    ("--risk", "huge"),
    ("--risk", ""),
    ("--payload", "[1]"),
    ("--payload", "{"),
    ("--payload", ""),
    ("--payload", "null"),
    ("--payload", '{"amount": NaN}'),
    ("--id", ""),
    ("--id", "has space"),
    ("--id", "x" * 201),
    ("--requester", "rita\u200b"),
    ("--requester", ""),
    ("--requester", "nobody"),
    ("--policy", "nope"),
    ("--policy", ""),
    ("--title", ""),
    ("--title", "x" * 600),
    ("--model", ""),
    ("--bogus",),
]
values = st.one_of(
    junk,
    st.sampled_from(["", "nope", "nobody", "rita\u200b", "x" * 600, ".nan", "crowd-first"]),
    st.text(st.characters(codec="utf-8"), max_size=20),
)


@dataclass
class Submission:
    name: str  # the request file's name ("" for none)
    content: bytes | None  # None: no file written (a missing one, if named)
    flags: list[str]

    def filled(self, decision_id: str, tmp_path: Path) -> list[str]:
        """The command line, with ``decision_id`` for the placeholder and the file written."""
        args = ["submit"]
        if self.name:
            path = tmp_path / self.name.replace(ID, decision_id)
            if self.content is not None:
                path.write_bytes(self.content.replace(ID.encode(), decision_id.encode()))
            args.append(str(path))
        return args + [flag.replace(ID, decision_id) for flag in self.flags]


@st.composite
def request_file(draw: st.DrawFn) -> tuple[str, bytes | None]:
    """A request file as a person might leave it: right, broken, or not there."""
    suffix = draw(st.sampled_from([".yaml", ".json"]))
    document = BASE
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(paths(document)))
        if draw(st.integers(0, 4)) == 0:  # a field the request does not have, any name
            path = (*path[:-1], draw(st.text(max_size=8)))
        document = mutated(document, path, draw(st.one_of(st.just(DELETE), values)))
    text = json.dumps(document) if suffix == ".json" else yaml.safe_dump(document)
    how = draw(st.sampled_from(["as is", "as is", "as is", "spliced", "bytes", "missing"]))
    if how == "spliced":
        start = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 20))
        text = text[:start] + draw(st.text(max_size=10)) + text[start + cut :]
    content: bytes | None = text.encode()
    if how == "bytes":
        content = content[: draw(st.integers(0, len(content)))] + b"\xff\xfe\x80"
    if how == "missing":
        content = None
    return f"{ID}{suffix}", content


@st.composite
def submissions(draw: st.DrawFn) -> Submission:
    chosen = draw(st.lists(st.sampled_from(FLAGS), max_size=3))
    flags = [arg for flag in chosen for arg in flag]
    if draw(st.integers(0, 4)) == 0:  # no file: everything from flags
        return Submission("", None, AS_FLAGS + flags)
    name, content = draw(request_file())
    return Submission(name, content, flags)


async def started(harness: Harness, decision_id: str) -> WorkflowExecutionStatus | None:
    """The status of ``decision_id``'s workflow, None when Temporal knows none."""
    handle = harness.client.get_workflow_handle(workflow_id_for(decision_id))
    try:
        return (await handle.describe()).status
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


def problems_with(result: Result, submission: Submission) -> list[str]:
    """What is wrong with how the CLI answered, whatever the input."""
    said = f"{submission.flags} {submission.content!r:.300}: exit {result.exit_code}"
    found = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        found.append(f"{said}, raised {result.exception!r}")
    if "Traceback" in result.stdout + result.stderr:
        found.append(f"{said}, a traceback: {result.output[-500:]}")
    if "Unexpected error" in result.stderr:  # what the CLI says of an exception it missed
        found.append(f"{said}, unexpected: {result.stderr!r}")
    if result.exit_code not in (0, 1, 2):
        found.append(f"{said}, an exit code of neither 0, 1 nor 2")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if result.exit_code != 0 and len(lines) != 1:
        found.append(f"{said}, {len(lines)} lines on stderr: {result.stderr!r}")
    return found


@pytest.fixture
def cli(dev_env: WorkflowEnvironment, live: Harness) -> Cli:
    """The real ``signoff`` app pointed at ``live``'s worker (as in tests/app/cli)."""
    return runner_for(env_for(dev_env, live))


async def test_no_submission_breaks_the_cli_or_starts_a_decision_it_refused(
    cli: Cli, live: Harness, store: Store, tmp_path: Path
) -> None:
    batch = collect(submissions(), max_examples=settings().max_examples // 4)
    stored_before = set(await store.decision_ids())
    started_at = time.monotonic()
    problems: list[str] = []
    accepted: set[str] = set()

    for submission in batch:
        decision_id = f"fz-{uuid.uuid4().hex[:12]}"
        result = await cli(*submission.filled(decision_id, tmp_path))
        problems += problems_with(result, submission)
        if result.exit_code == 0:
            # The id a flag or the file gave, or one the CLI made up.
            shown = re.search(r"signoff show (\S+)", result.stdout)
            accepted.add(shown.group(1) if shown else json.loads(result.stdout)["decision_id"])
            continue
        status = await started(live, decision_id)
        if result.exit_code == 2 and status is not None:
            problems.append(f"{submission.flags}: refused with exit 2 but started {status}")
        if status not in (None, WorkflowExecutionStatus.FAILED):
            problems.append(f"{submission.flags}: refused but left a decision {status}")

    assert problems == []
    took = time.monotonic() - started_at
    print(f"{len(batch)} submissions ({len(accepted)} accepted) in {took:.1f}s")
    for decision_id in accepted:
        assert await started(live, decision_id) is WorkflowExecutionStatus.RUNNING
    # No refused submission wrote to the audit (the accepted ones may still be writing).
    assert set(await store.decision_ids()) - stored_before <= accepted

    # The CLI and the worker are still whole: a valid request submits and is approved.
    decision_id = f"fz-{uuid.uuid4().hex[:12]}"
    request = write_request(tmp_path / "valid.yaml", id=decision_id)
    submitted = await cli("submit", str(request))
    assert submitted.exit_code == 0, submitted.output
    approved = await cli("approve", decision_id, "--as", "alice", "--reason", "ok")
    assert approved.exit_code == 0, approved.output
    assert "Decision approved." in approved.stdout
