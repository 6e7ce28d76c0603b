"""The claimant's and the employer's journeys, as locust users (run by benchmarks/load_test.py).

Each simulated phone has its own address in X-Forwarded-For, as it would behind the provincial
gateway (the stack runs with PROXY_FIX_X_FOR=1 for this), so per-client request limits apply
per phone, not to the whole test. The people come from LOAD_PEOPLE (benchmarks/load/prepare.py).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, between, constant, task

PEOPLE = json.loads(Path(os.environ["LOAD_PEOPLE"]).read_text(encoding="utf-8")) if "LOAD_PEOPLE" in os.environ else {}
WECHAT = os.environ.get("LOAD_WECHAT", "http://127.0.0.1:5091")
SMS = os.environ.get("LOAD_SMS", "http://127.0.0.1:5092")
_claimants = itertools.cycle(PEOPLE.get("claimants", []))
_employers = itertools.cycle(PEOPLE.get("employers", []))
_addresses = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))
ESTIMATE = {
    "region": "130200",
    "birth_date": "1975-06-15",
    "sex": "male",
    "contribution_months": 96,
    "separation_date": "2026-09-30",
    "separation_reason": "contract_expired",
}


class _Phone(FastHttpUser):  # type: ignore[misc]
    abstract = True

    def on_start(self) -> None:
        self.headers = {"X-Forwarded-For": next(_addresses)}
        self.refresh_token: str | None = None
        self.renew_at = float("inf")

    def hold(self, tokens: dict[str, Any]) -> None:
        """Use these tokens, and renew them a minute before the access token expires, as the
        mini-program does."""
        self.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        self.refresh_token = tokens["refresh_token"]
        self.renew_at = time.monotonic() + tokens["expires_in"] - 60

    def call(
        self, method: str, path: str, name: str | None = None, expected: tuple[int, ...] = (), **kwargs: Any
    ) -> Any:
        if time.monotonic() > self.renew_at:
            self.renew_at = float("inf")
            self.hold(self.call("POST", "/api/v1/auth/refresh", json={"refresh_token": self.refresh_token}).json())
        with self.client.request(
            method, path, name=name or path, headers=self.headers, catch_response=True, **kwargs
        ) as answer:
            if answer.status_code >= 400 and answer.status_code not in expected:
                answer.failure(f"{answer.status_code} {answer.text[:200]}")
            return answer

    def sign_in_as_claimant(self) -> None:
        person = next(_claimants)
        control = self.client.request(
            "POST", f"{WECHAT}/__control__/wx-login", json={"openid": f"o-load-{person['key']}"}, name="(stand-in)"
        )
        code = control.json()["code"]
        self.hold(self.call("POST", "/api/v1/auth/wechat/login", json={"code": code}).json())
        self.call("POST", "/api/v1/auth/identity", json={"id_number": person["id_number"], "name": person["name"]})


class Claimant(_Phone):
    """Estimate, log in with WeChat, bind, then read the form, the claim and the objections."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        super().on_start()
        self.call("POST", "/api/v1/benefits/estimate", json=ESTIMATE)
        self.sign_in_as_claimant()

    @task(3)
    def prefill(self) -> None:
        self.call("GET", "/api/v1/claims/prefill")

    @task(3)
    def claim_status(self) -> None:
        self.call("GET", "/api/v1/claims")

    @task(2)
    def objections(self) -> None:
        self.call("GET", "/api/v1/objections")

    @task(1)
    def estimate(self) -> None:
        self.call("POST", "/api/v1/benefits/estimate", json=ESTIMATE)


class Employer(_Phone):
    """Log in with an SMS code, list the duties, acknowledge the next one still open."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        super().on_start()
        employer = next(_employers)
        login = {"credit_code": employer["credit_code"], "phone": employer["phone"]}
        before = len(self._inbox(employer["phone"]))
        self.call("POST", "/api/v1/auth/employer/code", json=login)
        code = self._new_code(employer["phone"], before)
        self.hold(self.call("POST", "/api/v1/auth/employer/login", json={**login, "code": code}).json())

    def _inbox(self, phone: str) -> list[dict[str, Any]]:
        texts: list[dict[str, Any]] = self.client.request(
            "GET", f"{SMS}/__control__/inbox?phone={phone}", name="(stand-in)"
        ).json()
        return texts

    def _new_code(self, phone: str, before: int) -> str:
        """The code the worker sent (the text goes out through Celery, a moment later)."""
        for _ in range(100):
            texts = self._inbox(phone)
            if len(texts) > before:
                params = json.loads(texts[0]["params"])
                values = params if isinstance(params, list) else list(params.values())
                return str(values[0])
            gevent.sleep(0.1)
        raise RuntimeError(f"no login code reached {phone} within 10 s")

    @task(3)
    def duties(self) -> None:
        self.call("GET", "/api/v1/employer/duties")

    @task(1)
    def acknowledge(self) -> None:
        pending = self.call("GET", "/api/v1/employer/duties").json()
        if pending:
            duty = random.choice(pending)  # noqa: S311  # load shape, not security
            self.call(
                "POST",
                f"/api/v1/employer/duties/{duty['id']}/acknowledge",
                name="/api/v1/employer/duties/{id}/acknowledge",
                expected=(409,),  # two tasks of one employer may pick the same duty
            )


# Saturation: one endpoint at a time, no think time, for the ceiling ratio.
class _SignedInClaimant(_Phone):
    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        super().on_start()
        self.sign_in_as_claimant()


class PrefillOnly(_SignedInClaimant):
    @task
    def prefill(self) -> None:
        self.call("GET", "/api/v1/claims/prefill")


class StatusOnly(_SignedInClaimant):
    @task
    def claim_status(self) -> None:
        self.call("GET", "/api/v1/claims")


class BarePing(FastHttpUser):  # type: ignore[misc]
    wait_time = constant(0)

    @task
    def ping(self) -> None:
        self.client.get("/ping")
