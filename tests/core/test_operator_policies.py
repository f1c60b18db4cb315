"""Policies belong to the operators: a request names one from the catalog; only a policy
author whose submission a trusted surface vouched for (or anyone in ``signoff dev``) may
bring an inline one; nobody goes below the operator's floor; and the plan records which
policy, at which version, decided."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from signoff.core.catalog import Catalog, ConfigError, load_floor
from signoff.core.models import (
    AutonomyLevel,
    Directory,
    PolicyFloor,
    Principal,
    ReviewPolicy,
    RiskTier,
    Role,
    Stage,
    TrustedSurface,
)
from signoff.core.settings import Settings
from signoff.core.signing import b64, raw_public
from signoff.core.vouching import Voucher
from tests.helpers.builders import make_request

PEOPLE = Directory(
    people=[
        Principal(id="paula", name="Paula", roles=[Role.POLICY_AUTHOR]),
        Principal(id="rita", name="Rita", roles=[Role.REQUESTER]),
        Principal(id="alice", name="Alice", roles=[Role.APPROVER]),
        Principal(id="bob", name="Bob", roles=[Role.APPROVER]),
        Principal(id="mona", name="Mona", roles=[Role.MANAGER, Role.EXPERT]),
    ]
)
CATALOG_POLICY = ReviewPolicy(name="refunds", stages=[Stage(name="leads", approvers=["alice"])])
INLINE = ReviewPolicy(name="mine", stages=[Stage(name="pair", approvers=["alice", "bob"])])
APP = Voucher("refund-app", Ed25519PrivateKey.generate())
TRUSTED = [
    TrustedSurface(
        name=APP.surface, key_id=APP.key_id, public_key=b64(raw_public(APP.private.public_key()))
    )
]


def catalog(floor: PolicyFloor | None = None, *, dev: bool = False) -> Catalog:
    return Catalog(
        policies={"refunds": CATALOG_POLICY},
        directory=PEOPLE,
        floor=floor or PolicyFloor(),
        inline_policies_from_anyone=dev,
        surfaces=TRUSTED,
    )


def test_a_policy_author_vouched_for_by_a_trusted_surface_may_bring_an_inline_policy() -> None:
    request = make_request(policy=INLINE, requester="paula")

    plan = catalog().plan(request, submission=APP.vouch_submission(request))

    assert plan.policy == INLINE
    assert plan.policy_version.startswith("inline:")


def test_an_inline_policy_from_a_requester_who_is_not_a_policy_author_is_refused() -> None:
    request = make_request(policy=INLINE, requester="rita")

    with pytest.raises(ConfigError, match="policy_author role, which 'rita' does not have"):
        catalog().plan(request, submission=APP.vouch_submission(request))


def test_an_inline_policy_claiming_a_policy_author_without_a_surfaces_word_is_refused() -> None:
    request = make_request(policy=INLINE, requester="paula")
    other = make_request(policy=INLINE, requester="paula", title="Something else")

    with pytest.raises(ConfigError, match="vouched for by a trusted surface"):
        catalog().plan(request)
    with pytest.raises(ConfigError, match="altered or forged"):
        catalog().plan(request, submission=APP.vouch_submission(other))


def test_signoff_dev_takes_an_inline_policy_from_anyone_but_never_below_the_floor() -> None:
    request = make_request(policy=INLINE, requester="rita")
    assert catalog(dev=True).plan(request).policy == INLINE

    lax = INLINE.model_copy(update={"separation_of_duties": False})
    with pytest.raises(ConfigError, match="turns off separation of duties"):
        catalog(dev=True).plan(make_request(policy=lax, requester="rita"))


def test_no_policy_may_give_the_ai_more_autonomy_than_the_floor_allows_for_the_risk_tier() -> None:
    floor = PolicyFloor(max_autonomy={RiskTier.HIGH: AutonomyLevel.SUGGEST})
    bold = INLINE.model_copy(update={"autonomy": AutonomyLevel.AUTONOMOUS})
    high = make_request(policy=bold, requester="paula", risk_tier=RiskTier.HIGH)
    low = make_request(policy=bold, requester="paula", risk_tier=RiskTier.LOW)

    with pytest.raises(ConfigError, match="allows at most suggest for high-risk decisions"):
        catalog(floor).plan(high, submission=APP.vouch_submission(high))
    assert catalog(floor).plan(low, submission=APP.vouch_submission(low)).policy == bold


def test_the_plan_names_the_catalog_policy_version_that_decided() -> None:
    first = catalog().plan(make_request(policy="refunds", requester="rita"))
    changed = catalog()
    changed.policies["refunds"] = CATALOG_POLICY.model_copy(update={"allow_edits": False})
    second = changed.plan(make_request(policy="refunds", requester="rita"))

    assert first.policy_version.startswith("catalog:")
    assert first.policy_version != second.policy_version


def test_the_floor_is_read_beside_the_policies_and_a_bad_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "policies.yaml"
    policies = [CATALOG_POLICY.model_dump(mode="json", exclude_defaults=True)]
    path.write_text(
        yaml.safe_dump({"floor": {"max_autonomy": {"critical": "shadow"}}, "policies": policies})
    )
    assert load_floor(path).max_autonomy == {RiskTier.CRITICAL: AutonomyLevel.SHADOW}

    path.write_text(yaml.safe_dump({"floor": {"max_autonomy": {"x": "y"}}, "policies": policies}))
    with pytest.raises(ConfigError, match="floor"):
        load_floor(path)


def test_a_catalog_policy_below_the_floor_stops_the_worker_from_loading(tmp_path: Path) -> None:
    path = tmp_path / "policies.yaml"
    lax = CATALOG_POLICY.model_copy(update={"separation_of_duties": False})
    path.write_text(yaml.safe_dump({"policies": [lax.model_dump(mode="json")]}))
    directory = tmp_path / "directory.yaml"
    directory.write_text(
        yaml.safe_dump({"people": [p.model_dump(mode="json") for p in PEOPLE.people]})
    )
    settings = Settings(
        _env_file=None, policies_file=path, directory_file=directory, data_dir=tmp_path
    )

    with pytest.raises(ConfigError, match="turns off separation of duties"):
        Catalog.load(settings)
