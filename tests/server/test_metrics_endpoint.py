"""An operator scrapes `signoff serve`'s /metrics: requests by route template, method
and status, their latency, and the decisions pending at each stage, read from the store."""

from __future__ import annotations

from tests.helpers.prometheus import Scraped
from tests.server.conftest import APP, Api, key, submission


async def scraped(api: Api) -> Scraped:
    answer = await api.http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return Scraped(answer.text)


async def test_requests_are_counted_by_route_template_never_by_decision_id(api: Api) -> None:
    idem = key()
    assert (await api.submit(submission(), idem)).status_code == 201
    for _ in range(2):
        assert (await api.get(f"/api/v1/decisions/{APP}:{idem}")).status_code == 200
    assert (await api.get("/no/such/page")).status_code == 404

    page = await scraped(api)

    read = {"route": "/api/v1/decisions/{decision_id}", "method": "GET"}
    assert page.value("signoff_http_requests_total", **read, status="200") == 2
    assert page.value("signoff_http_request_duration_seconds_count", **read) == 2
    posted = {"route": "/api/v1/decisions", "method": "POST", "status": "201"}
    assert page.value("signoff_http_requests_total", **posted) == 1
    assert page.value("signoff_http_requests_total", route="unmatched", status="404") == 1
    assert idem not in page.text
    assert page.value("signoff_http_requests_total", route="/metrics") is None


async def test_decisions_pending_at_a_stage_are_read_from_the_store(api: Api) -> None:
    waiting = {"use_case": "refunds", "stage": "leads"}
    before = (await scraped(api)).value("signoff_decisions_pending", **waiting) or 0

    assert (await api.submit(submission(), key())).status_code == 201

    assert (await scraped(api)).value("signoff_decisions_pending", **waiting) == before + 1


async def test_metrics_are_not_in_the_openapi_document(api: Api) -> None:
    document = (await api.http.get("/api/v1/openapi.json")).json()
    assert "/metrics" not in document["paths"]
