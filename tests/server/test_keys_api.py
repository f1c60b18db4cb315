"""An administrator makes, lists and revokes applications' API keys over HTTP; nobody
else may, and a key's token is shown only in the answer that makes it."""

from __future__ import annotations

from tests.server.conftest import Api, Served, problem

KEYS = "/api/v1/api-keys"


def as_person(served: Served, person: str) -> Api:
    return served.api.bearing(served.provider.token(sub=person, email=f"{person}@example.com"))


async def test_an_administrator_makes_a_key_that_works_then_revokes_it(shared_api: Served) -> None:
    ada = as_person(shared_api, "ada")
    made = await ada.http.post(
        KEYS,
        json={"app": "refunds-bot", "use_cases": ["refunds"], "scopes": ["read"]},
        headers=ada.auth,
    )
    assert made.status_code == 201, made.text
    token, key_id = made.json()["token"], made.json()["grant"]["key_id"]
    app = shared_api.api.bearing(token)
    assert (await app.get("/api/v1/decisions")).status_code == 200

    listed = (await ada.get(KEYS)).json()
    assert key_id in {k["key_id"] for k in listed}
    assert token not in str(listed)

    revoked = await ada.http.delete(f"{KEYS}/{key_id}", headers=ada.auth)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    problem(await app.get("/api/v1/decisions"), 401)
    another = key_id[:-1] + ("1" if key_id.endswith("0") else "0")
    problem(await ada.http.delete(f"{KEYS}/{another}", headers=ada.auth), 404)


async def test_only_an_administrator_manages_keys(shared_api: Served) -> None:
    for caller in (as_person(shared_api, "audrey"), as_person(shared_api, "dave"), shared_api.api):
        assert problem(await caller.get(KEYS), 403)["code"] in ("not_admin", "scope")
        body = {"app": "refunds-bot", "use_cases": ["refunds"]}
        problem(await caller.http.post(KEYS, json=body, headers=caller.auth), 403)


async def test_a_key_for_an_application_the_directory_lacks_is_refused(
    shared_api: Served,
) -> None:
    ada = as_person(shared_api, "ada")
    for body, says in (
        ({"app": "stranger", "use_cases": ["refunds"]}, "app:stranger"),
        ({"app": "refunds-bot", "use_cases": [""]}, "use_cases"),
    ):
        answer = await ada.http.post(KEYS, json=body, headers=ada.auth)
        assert says in problem(answer, 422)["detail"]
