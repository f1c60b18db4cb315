"""The policy and directory files under generated input: whatever an operator writes,
the worker either loads a valid catalog or refuses with a :class:`ConfigError` whose every
line names the file at fault — never another exception, never a traceback.

People edit these files by hand, so the inputs are the test suite's own
``policies.yaml`` (with a ``floor:``) and ``directory.yaml``, broken a few paths at a time
(keys dropped, renamed or retyped, maps and lists swapped, huge, empty and unicode
strings, durations such as ``-1h`` or ``9999999d``), the same files cut and spliced as
text, arbitrary YAML and bytes that are not UTF-8. Each goes through
:meth:`Catalog.load`, which loads and cross-checks both files and the floor; a smaller
batch goes through ``signoff worker``, which loads them before connecting anywhere.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from signoff.app.cli import app
from signoff.core.catalog import Catalog, ConfigError
from signoff.core.settings import Settings
from tests.conftest import FIXTURES
from tests.helpers.mutations import DELETE, junk, mutated, paths

POLICIES = yaml.safe_load((FIXTURES / "policies.yaml").read_text(encoding="utf-8"))["policies"]
# The fixture's crowd of twenty cut to five (no policy needs more): every example parses
# both files, and YAML parses slowly, so the files are kept to what the policies use.
PEOPLE = [
    person
    for person in yaml.safe_load((FIXTURES / "directory.yaml").read_text(encoding="utf-8"))[
        "people"
    ]
    if not re.fullmatch(r"p\d\d", person["id"]) or person["id"] <= "p05"
]
FLOOR = {"separation_of_duties": True, "max_autonomy": {"high": "suggest", "critical": "shadow"}}
DEFAULTS = {"policies": {"floor": FLOOR, "policies": POLICIES[:3]}, "directory": {"people": PEOPLE}}

durations = st.one_of(
    st.sampled_from(
        ["-1h", "0s", "9999999d", "99999999999d", "1e5d", "P-1D", "PT4H", "4 hours", " 2d "]
    ),
    st.from_regex(r"-?[0-9]{1,40}(\.[0-9]{1,3})?[smhdw]", fullmatch=True),
    st.integers(min_value=-(2**70), max_value=2**70),
)
strings = st.one_of(
    st.sampled_from(
        ["", " ", "x" * 100_000, "alice\u200b", "group:", "role:nobody", "group:leads"]
    ),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=40),
)
values = st.one_of(
    junk,
    durations,
    strings,
    st.lists(st.dictionaries(st.text(max_size=8), junk, max_size=3), max_size=3),
    st.recursive(junk, lambda inner: st.lists(inner, max_size=2), max_leaves=6),
)


def at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


@st.composite
def broken_document(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with one to three paths dropped, retyped, renamed or re-nested."""
    for _ in range(draw(st.integers(1, 3))):
        found = paths(document)
        if not found:
            return document
        path = draw(st.sampled_from(found))
        old = at(document, path)
        how = draw(st.sampled_from(["drop", "replace", "wrap", "nest", "rename"]))
        if how == "drop":
            document = mutated(document, path, DELETE)
        elif how == "replace":
            document = mutated(document, path, draw(values))
        elif how == "wrap":  # a list where a map or a value goes
            document = mutated(document, path, [old])
        elif how == "nest":  # one level too deep
            document = mutated(document, path, {draw(st.text(max_size=8)): old})
        elif isinstance(path[-1], str):  # a misspelt key
            renamed = mutated(document, path, DELETE)
            document = mutated(renamed, (*path[:-1], draw(strings)), old)
    return document


@st.composite
def spliced(draw: st.DrawFn, text: str) -> str:
    """``text`` with a slice cut out or something typed into it."""
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 200)))
    typed = draw(
        st.one_of(
            st.just(""), st.text(max_size=30), st.sampled_from(["\t", ":", "- ", "&a *a", "{", "]"])
        )
    )
    return text[:start] + typed + text[end:]


@st.composite
def file_contents(draw: st.DrawFn) -> tuple[str, bytes]:
    """(which file, its bytes): the other file is left as the fixture has it."""
    which = draw(st.sampled_from(sorted(DEFAULTS)))
    original = DEFAULTS[which]
    if which == "policies":  # a few of the fixture's policies, whichever
        chosen = st.lists(st.sampled_from(POLICIES), min_size=1, max_size=4, unique_by=_name)
        original = {"floor": FLOOR, "policies": draw(chosen)}
    dumped = yaml.safe_dump(original, sort_keys=False, allow_unicode=True)
    kind = draw(st.sampled_from(["mutated", "spliced", "yaml", "text", "bytes"]))
    if kind == "mutated":
        document = draw(broken_document(original))
        unicode = draw(st.booleans())
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=unicode)
    elif kind == "spliced":
        text = draw(spliced(dumped))
    elif kind == "yaml":  # any document at all: a scalar, a list, a map of anything
        text = yaml.safe_dump(draw(st.recursive(junk, lambda inner: st.lists(inner, max_size=3))))
    elif kind == "text":
        text = draw(st.text(max_size=200))
    else:
        start = draw(st.integers(0, len(dumped)))
        return which, dumped[:start].encode() + draw(st.binary(min_size=1, max_size=40))
    return which, text.encode("utf-8", errors="surrogatepass")


def _name(policy: dict[str, Any]) -> str:
    return str(policy["name"])


def catalog_settings(tmp_path: Path, which: str, content: bytes) -> tuple[Settings, Path]:
    """Settings naming the two files, ``which`` of them holding ``content``, the other
    as :data:`DEFAULTS` has it."""
    files = {name: tmp_path / f"{name}.yaml" for name in DEFAULTS}
    for name, document in DEFAULTS.items():
        files[name].write_text(yaml.safe_dump(document), encoding="utf-8")
    files[which].write_bytes(content)
    configured = Settings(
        _env_file=None,
        policies_file=files["policies"],
        directory_file=files["directory"],
        data_dir=tmp_path / "data",
    )
    return configured, files[which]


def assert_names_a_file(message: str, *files: Path) -> None:
    """Every line of ``message`` starts with one of ``files``: a person can see which
    file to open, whatever else the line says."""
    assert message.strip(), "an empty message"
    assert "Traceback" not in message
    for line in message.splitlines():
        assert any(line.startswith(f"{file}:") for file in files), line


@given(generated=file_contents())
def test_a_catalog_file_loads_or_is_refused_naming_itself(
    tmp_path: Path, generated: tuple[str, bytes]
) -> None:
    which, content = generated
    configured, written = catalog_settings(tmp_path, which, content)

    try:
        catalog = Catalog.load(configured)
    except ConfigError as error:
        event("refused")
        # A directory that lost a person can make the (unchanged) policies unresolvable.
        assert error.path in (written, configured.policies_file)
        assert_names_a_file(str(error), written, configured.policies_file)
    else:
        event("loaded")
        assert Catalog.model_validate_json(catalog.model_dump_json()) == catalog


def test_the_fixture_files_load_as_they_are(tmp_path: Path) -> None:
    """The spec above starts from files that load: otherwise every input is refused."""
    every = yaml.safe_dump({"floor": FLOOR, "policies": POLICIES}).encode()
    configured, _ = catalog_settings(tmp_path, "policies", every)
    assert Catalog.load(configured).policies.keys() == {_name(p) for p in POLICIES}


@pytest.fixture(scope="module")
def closed_port() -> int:
    """A port nothing listens on: a worker whose files load stops at connecting."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@settings(max_examples=40)
@given(generated=file_contents())
def test_signoff_worker_refuses_a_bad_file_in_one_message_naming_it(
    tmp_path: Path, closed_port: int, generated: tuple[str, bytes]
) -> None:
    which, content = generated
    configured, written = catalog_settings(tmp_path, which, content)
    env = {
        "SIGNOFF_POLICIES_FILE": str(configured.policies_file),
        "SIGNOFF_DIRECTORY_FILE": str(configured.directory_file),
        "SIGNOFF_DATA_DIR": str(tmp_path / "data"),
        "SIGNOFF_SURFACES_FILE": str(tmp_path / "surfaces.yaml"),
        "SIGNOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'signoff.db'}",
        "SIGNOFF_TEMPORAL_ADDRESS": f"127.0.0.1:{closed_port}",
        "COLUMNS": "200",
    }

    result = CliRunner().invoke(app, ["worker"], env=env)

    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    if "Cannot reach Temporal" not in result.stderr:  # the files loaded
        assert_names_a_file(result.stderr, written, configured.policies_file)
