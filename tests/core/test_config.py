"""Loading policies and people from YAML: what a person editing those files is told."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.core.catalog import (
    Catalog,
    ConfigError,
    UnknownPolicyError,
    check_policies_against,
    load_directory,
    load_floor,
    load_policies,
)
from signoff.core.models import (
    DecisionRequest,
    Directory,
    Principal,
    Quorum,
    ReviewPolicy,
    Role,
    Stage,
)
from signoff.core.settings import EXAMPLE_REQUEST, EXAMPLES, Settings
from tests.helpers.builders import make_request

GOOD_PEOPLE = """\
people:
  - {id: alice, name: Alice, roles: [approver], groups: [leads]}
  - {id: bob, name: Bob, roles: [approver, manager], groups: [leads, risk]}
  - {id: carol, name: Carol, roles: [manager, expert], groups: [risk]}
"""


def write(tmp_path: Path, text: str, name: str = "policies.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def policies_error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_policies(write(tmp_path, text))
    return caught.value


@pytest.fixture
def catalog() -> Catalog:
    return Catalog.load(Settings(_env_file=None))


@pytest.fixture
def dev_catalog() -> Catalog:
    """As ``signoff dev`` loads it: anyone may bring an inline policy."""
    return Catalog.load(Settings(_env_file=None), dev=True)


def test_shipped_examples_load_and_cross_check(catalog: Catalog) -> None:
    assert set(catalog.policies) == {"refunds", "loans", "moderation"}
    assert catalog.directory.get("alice") is not None
    check_policies_against(catalog.directory, catalog.policies)


def test_the_shipped_example_request_is_one_the_shipped_policies_send_to_people(
    catalog: Catalog,
) -> None:
    """`signoff dev` tells people to submit it, so it must be valid and reach someone."""
    request = DecisionRequest.model_validate_json(EXAMPLE_REQUEST.read_text(encoding="utf-8"))

    plan = catalog.plan(request)

    assert catalog.directory.get(request.requester) is not None
    assert request.requester not in plan.stages[0].approvers
    assert plan.stages[0].approvers == ["alice", "bob"]


def test_catalog_loads_the_files_settings_name(tmp_path: Path) -> None:
    policies = write(tmp_path, (EXAMPLES / "policies.yaml").read_text())
    people = write(tmp_path, (EXAMPLES / "directory.yaml").read_text(), "people.yaml")
    settings = Settings(_env_file=None, policies_file=policies, directory_file=people)
    assert Catalog.load(settings).policies.keys() == load_policies(policies).keys()


def test_invalid_field_names_file_policy_stage_and_field(tmp_path: Path) -> None:
    error = policies_error(
        tmp_path,
        """\
policies:
  - name: refunds
    stages:
      - name: leads
        approvers: [alice]
        quorum: {kind: n_of_m}
""",
    )
    assert str(error).startswith(f"{tmp_path / 'policies.yaml'}: ")
    assert "policies[refunds].stages[0].quorum: quorum kind 'n_of_m' needs n" in str(error)
    assert "(line 6)" in str(error)
    assert error.field == "policies[refunds].stages[0].quorum"


def test_every_bad_entry_is_reported_at_once(tmp_path: Path) -> None:
    error = policies_error(
        tmp_path,
        """\
policies:
  - name: refunds
    stages: [{name: leads, approvers: [alice], sla: 2 hours}]
  - name: loans
    stages: [{name: analysts, approvers: [bob], escalate_to: carol}]
""",
    )
    lines = str(error).splitlines()
    assert len(lines) == 2
    assert "policies[refunds].stages[0].sla: " in lines[0]
    assert "policies[loans].stages[0].escalate_to: Extra inputs are not permitted" in lines[1]


def test_unnamed_policy_is_named_by_position(tmp_path: Path) -> None:
    error = policies_error(tmp_path, "policies:\n  - description: no name\n    stages: []\n")
    assert "policies[0].name: Field required" in str(error)
    assert "policies[0].stages: List should have at least 1 item" in str(error)


def test_duplicate_policy_names_are_refused(tmp_path: Path) -> None:
    stage = "stages: [{name: s, approvers: [alice]}]"
    error = policies_error(
        tmp_path, f"policies:\n  - {{name: refunds, {stage}}}\n  - {{name: refunds, {stage}}}\n"
    )
    assert "policies[1].name: policy name 'refunds' appears twice (line 3)" in str(error)


def test_duplicate_principal_ids_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_PEOPLE + "  - {id: bob, name: Robert}\n", "directory.yaml")
    with pytest.raises(ConfigError, match=r"people\[3\]\.id: principal id 'bob' appears twice"):
        load_directory(path)


def test_bad_person_field_is_named_by_id(tmp_path: Path) -> None:
    path = write(tmp_path, "people:\n  - {id: dave, name: Dave, roles: [boss]}\n", "dir.yaml")
    with pytest.raises(ConfigError, match=r"dir\.yaml: people\[dave\]\.roles\[0\]: Input should"):
        load_directory(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yaml: file not found"):
        load_policies(tmp_path / "nowhere.yaml")


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    error = policies_error(tmp_path, "policies:\n  - name: refunds\n    stages: [\n")
    assert "policies.yaml: line 4, column 1: invalid YAML" in str(error)


def test_a_file_that_is_not_utf8_is_named_as_such(tmp_path: Path) -> None:
    """Found by fuzzing: it escaped as UnicodeDecodeError, and the worker's start with it."""
    path = tmp_path / "policies.yaml"
    path.write_bytes(b"policies:\n  - name: caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_policies(path)
    assert str(caught.value) == f"{path}: not UTF-8 text (byte 24 is 0xe9)"


def test_a_character_yaml_refuses_is_named_on_one_line(tmp_path: Path) -> None:
    """Found by fuzzing: PyYAML's own second line (`in "<unicode string>"`) named no file."""
    error = policies_error(tmp_path, "policies: [\x00]\n")
    assert str(error) == (
        f"{tmp_path / 'policies.yaml'}: invalid YAML: unacceptable character #x0000:"
        " special characters are not allowed"
    )


def test_a_key_with_a_line_break_is_quoted_so_each_problem_keeps_to_its_line(
    tmp_path: Path,
) -> None:
    """Found by fuzzing: the key was printed as written, breaking the line it was on."""
    with pytest.raises(ConfigError) as caught:
        load_floor(write(tmp_path, 'floor: {"a\\rb": true}\npolicies: []\n'))
    assert str(caught.value) == (
        f"{tmp_path / 'policies.yaml'}: floor.'a\\rb': Extra inputs are not permitted"
    )


def test_a_reference_with_a_line_break_is_named_on_one_line(tmp_path: Path) -> None:
    """Found while fuzzing: the reference was printed as written, breaking the line."""
    policies = load_policies(
        write(tmp_path, 'policies:\n  - {name: p, stages: [{name: s, approvers: ["al\\nice"]}]}\n')
    )
    directory = load_directory(write(tmp_path, GOOD_PEOPLE, "directory.yaml"))
    with pytest.raises(ConfigError) as caught:
        check_policies_against(directory, policies)
    assert str(caught.value).splitlines() == [
        "policies[p].stages[0].approvers: 'al\\nice' matches nobody in the directory (stage 's')"
    ]


def test_an_anchor_inside_itself_is_refused_not_recursed_into(tmp_path: Path) -> None:
    """Found while fuzzing: mapping the lines of ``&a [*a]`` recursed until RecursionError."""
    error = policies_error(tmp_path, "policies: &a [*a]\n")
    assert str(error).startswith(f"{tmp_path / 'policies.yaml'}: policies[0]: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "top level: expected a mapping with a 'policies' list, got an empty file"),
        ("- name: refunds\n", "top level: expected a mapping with a 'policies' list, got a list"),
        ("policy: []\n", "policy: unknown top-level key; the file holds only 'policies'"),
        ("policies: {refunds: {}}\n", "policies: expected a list, got a dict"),
        ("policies:\n  - refunds\n", "policies[0]: expected a mapping, got str"),
    ],
)
def test_wrong_top_level_shape(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in str(policies_error(tmp_path, text))


def test_reference_matching_nobody_names_policy_and_stage(tmp_path: Path) -> None:
    directory = load_directory(write(tmp_path, GOOD_PEOPLE, "directory.yaml"))
    policies = load_policies(
        write(
            tmp_path,
            """\
policies:
  - name: refunds
    stages:
      - {name: leads, approvers: [group:leads]}
      - {name: finance, approvers: [group:finance, alice]}
""",
        )
    )
    with pytest.raises(ConfigError) as caught:
        check_policies_against(directory, policies)
    assert str(caught.value) == (
        "policies[refunds].stages[1].approvers: 'group:finance' matches nobody "
        "in the directory (stage 'finance')"
    )


def test_overriders_and_experts_must_match_someone() -> None:
    directory = Directory(people=[Principal(id="alice", name="Alice", roles=[Role.APPROVER])])
    policy = ReviewPolicy(name="p", stages=[Stage(name="s", approvers=["alice"])])
    with pytest.raises(ConfigError) as caught:
        check_policies_against(directory, {"p": policy})
    message = str(caught.value)
    assert "policies[p].overriders: 'role:manager' matches nobody" in message
    assert "policies[p].ground_truth.experts: 'role:expert' matches nobody" in message


def test_quorum_larger_than_the_people_asked_is_refused() -> None:
    directory = Directory(people=[Principal(id="alice", name="Alice", roles=[Role.MANAGER])])
    policy = ReviewPolicy(
        name="p",
        stages=[Stage(name="pair", approvers=["alice"], quorum=Quorum(kind="n_of_m", n=2))],
        ground_truth={"experts": ["alice"], "adjudicators": ["alice"]},
    )
    with pytest.raises(ConfigError, match=r"stages\[0\]\.quorum: stage 'pair' needs 2 approvals"):
        check_policies_against(directory, {"p": policy})


def test_unknown_policy_lists_the_known_ones(catalog: Catalog) -> None:
    with pytest.raises(UnknownPolicyError) as caught:
        catalog.plan(make_request(policy="refund"))
    assert str(caught.value) == (
        "unknown policy 'refund'; known policies: 'loans', 'moderation', 'refunds'"
    )
    assert isinstance(caught.value, ConfigError)


def test_plan_expands_groups_and_roles_in_order(catalog: Catalog) -> None:
    plan = catalog.plan(make_request(policy="refunds"))
    assert [(s.name, s.approvers) for s in plan.stages] == [
        ("support leads", ["alice", "bob"]),
        ("managers", ["dave", "erin"]),
    ]
    assert plan.overriders == ["dave", "erin"]
    assert plan.experts == ["carol", "dave", "frank"]
    assert plan.adjudicators == ["dave", "erin"]
    assert plan.policy == catalog.policies["refunds"]


def test_plan_of_inline_policy_drops_repeated_people(dev_catalog: Catalog) -> None:
    policy = ReviewPolicy(
        name="inline",
        stages=[
            Stage(
                name="both",
                approvers=["bob", "group:credit-analysts", "role:manager", "group:risk-committee"],
                quorum=Quorum(kind="n_of_m", n=2),
            )
        ],
        overriders=["erin", "role:manager"],
    )
    plan = dev_catalog.plan(make_request(policy=policy))
    assert plan.stages[0].approvers == ["bob", "carol", "dave", "erin"]
    assert plan.stages[0].quorum == Quorum(kind="n_of_m", n=2)
    assert plan.overriders == ["erin", "dave"]


def test_plan_of_inline_policy_naming_nobody_is_a_config_error(dev_catalog: Catalog) -> None:
    policy = ReviewPolicy(name="inline", stages=[Stage(name="s", approvers=["group:ghosts"])])
    with pytest.raises(ConfigError, match=r"'group:ghosts' matches nobody .*stage 's'"):
        dev_catalog.plan(make_request(policy=policy))


def test_signing_in_over_http_needs_the_audience_tokens_must_be_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGNOFF_OIDC_ISSUER", "https://login.example.com")

    with pytest.raises(ValueError, match="SIGNOFF_OIDC_AUDIENCE must be set with"):
        Settings(_env_file=None)

    monkeypatch.setenv("SIGNOFF_OIDC_AUDIENCE", "signoff")
    settings = Settings(_env_file=None)
    assert (settings.oidc_claim, settings.oidc_match) == ("email", "email")
