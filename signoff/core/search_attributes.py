"""Search attributes Signoff keeps on each decision workflow, for the Temporal UI and
``signoff pending``. Approvers appear only as salted pseudonymous tokens: search
attribute values are stored unencrypted, so no personal data goes into them."""

from __future__ import annotations

import hashlib

from temporalio.common import SearchAttributeKey

STATUS = SearchAttributeKey.for_keyword("SignoffStatus")
USE_CASE = SearchAttributeKey.for_keyword("SignoffUseCase")
RISK_TIER = SearchAttributeKey.for_keyword("SignoffRiskTier")
MODEL_VERSION = SearchAttributeKey.for_keyword("SignoffModelVersion")
STAGE = SearchAttributeKey.for_keyword("SignoffStage")
PENDING_APPROVERS = SearchAttributeKey.for_keyword_list("SignoffPendingApprovers")

ALL_KEYS = (STATUS, USE_CASE, RISK_TIER, MODEL_VERSION, STAGE, PENDING_APPROVERS)


def search_token(salt: str, principal: str) -> str:
    """A stable pseudonym for a principal, the same in the workflow and the client."""
    return hashlib.sha256(f"{salt}:{principal}".encode()).hexdigest()[:24]


def dev_server_flags() -> list[str]:
    """``--search-attribute`` flags that register every key on ``temporal server start-dev``."""
    flags: list[str] = []
    for key in ALL_KEYS:
        kind = "KeywordList" if key is PENDING_APPROVERS else "Keyword"
        flags += ["--search-attribute", f"{key.name}={kind}"]
    return flags
