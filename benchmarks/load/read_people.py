"""The people benchmarks/read_paths.py reads and submits as: prepared once, kept fresh per run.

Two files in instance/load/ (mode 600: synthetic identities and live tokens):

read_people.json  `claimants`: bound claimants with a recent separation, each with a submitted
                  claim and an objection against it (claim_id, objection_id); `employers`:
                  employer contacts logged in with an SMS code, each with open notice duties.
read_pool.json    `pool`: fresh claimants for the submission phase, bound, with a separation on
                  record and no claim at all; each is submitted once and then marked used.

Everyone logs in through the stack's API (WeChat stand-in for claimants, the SMS stand-in's inbox
for employers' codes), each from an address of their own (X-Forwarded-For), as phones would. A
run renews the 15-minute access tokens with the refresh tokens kept here, and writes the new
ones back at once (a refresh token works once).

Submitting a claim needs a face-verified session. No face is checked here: the session is
marked verified directly in the database with auth.sessions.mark_face_verified, the function
the passed liveness check calls (auth_sessions.face_verified_until and face_verified_person_id),
for AUTH_FACE_VERIFIED_TTL_S (10 minutes) from that moment.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import requests
from flask import Flask
from sqlalchemy import func, select

from auth.models import AuthSession, WeChatAccount
from auth.sessions import mark_face_verified
from auth.tokens import digest
from benchmarks.load import synthetic
from benchmarks.load.prepare import pick_people, walkthrough_claimant
from miniapp_api.claims.models import Claim
from miniapp_api.claims.service import COMMITMENT_VERSION
from miniapp_api.db import unit_of_work
from miniapp_api.records.models import Person, StopContributionEvent

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "instance" / "load"
PEOPLE = OUT / "read_people.json"
POOL = OUT / "read_pool.json"
WECHAT = "http://127.0.0.1:5091"
SMS = "http://127.0.0.1:5092"
CONFIRMATION = {"confirmation": {"accepted": True, "commitment_version": COMMITMENT_VERSION}}
PARALLEL = 8  # logins at once: a little more than the stack's five workers

Entry = dict[str, Any]
T = TypeVar("T")


class NotPrepared(Exception):
    """Preparation is missing or no longer usable: run benchmarks.read_paths --setup."""


# Files.


def save(path: Path, data: dict[str, Any]) -> None:
    """Write `data` for this user only, replacing the file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False)
    os.replace(partial, path)


def load(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise NotPrepared(f"{path.relative_to(ROOT)} is missing")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# Talking to the stack as a phone.


class _Phone(requests.Session):
    """A phone at its own address; no call waits for ever."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.headers["X-Forwarded-For"] = address

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return super().request(*args, **kwargs)


def _address(kind: int, number: int) -> str:
    """A phone's own address (kind 1: claimants by person id, 2: employers): per-client request
    limits count each phone separately."""
    return f"10.{kind}.{number >> 8 & 255}.{number & 255}"


def _hold(entry: Entry, tokens: dict[str, Any]) -> None:
    entry["access_token"] = tokens["access_token"]
    entry["refresh_token"] = tokens["refresh_token"]
    entry["access_expires_at"] = time.time() + int(tokens["expires_in"])


def _checked(answer: requests.Response, what: str) -> Any:
    if answer.status_code >= 300:
        raise RuntimeError(f"{what}: {answer.status_code} {answer.text[:300]}")
    return answer.json() if answer.content else None


def sign_in_claimant(api: str, person: Entry) -> None:
    """WeChat login at the stand-in and bind, as benchmarks/load/signin.py (same WeChat account)."""
    http = _Phone(person["address"])
    code = _checked(http.post(f"{WECHAT}/__control__/wx-login", json={"openid": f"o-load-{person['key']}"}), "wx")
    tokens = _checked(http.post(f"{api}/api/v1/auth/wechat/login", json={"code": code["code"]}), "login")
    http.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    bind = {"id_number": person["id_number"], "name": person["name"]}
    _checked(http.post(f"{api}/api/v1/auth/identity", json=bind), "bind")
    _hold(person, tokens)


def sign_in_employer(api: str, employer: Entry) -> None:
    """An SMS code to the contact's phone (sent by the Celery worker), read from the stand-in."""
    http = _Phone(employer["address"])
    login = {"credit_code": employer["credit_code"], "phone": employer["phone"]}
    before = len(_inbox(http, employer["phone"]))
    _checked(http.post(f"{api}/api/v1/auth/employer/code", json=login), "employer code")
    code = _new_code(http, employer["phone"], before)
    _hold(employer, _checked(http.post(f"{api}/api/v1/auth/employer/login", json={**login, "code": code}), "login"))


def _inbox(http: _Phone, phone: str) -> list[dict[str, Any]]:
    texts: list[dict[str, Any]] = http.get(f"{SMS}/__control__/inbox", params={"phone": phone}).json()
    return texts


def _new_code(http: _Phone, phone: str, before: int) -> str:
    for _ in range(150):
        texts = _inbox(http, phone)
        if len(texts) > before:
            params = json.loads(texts[0]["params"])
            values = params if isinstance(params, list) else list(params.values())
            return str(values[0])
        time.sleep(0.1)
    raise RuntimeError(f"no login code reached {phone} within 15 s (is the Celery worker running?)")


def _as(entry: Entry) -> _Phone:
    http = _Phone(entry["address"])
    http.headers["Authorization"] = f"Bearer {entry['access_token']}"
    return http


def _claim_and_objection(api: str, app: Flask, claimant: Entry) -> None:
    """The claimant's latest claim (submitting one if they have none) and an objection to it."""
    http = _as(claimant)
    claims = _checked(http.get(f"{api}/api/v1/claims"), "claims")
    if not claims:
        face_verify(app, [claimant])
        key = {"Idempotency-Key": f"read-paths-setup-{claimant['person_id']}"}
        claims = [_checked(http.post(f"{api}/api/v1/claims", json=CONFIRMATION, headers=key), "submit")]
    claimant["claim_id"] = claims[0]["id"]
    objections = _checked(http.get(f"{api}/api/v1/objections"), "objections")
    if not objections:
        body = {
            "category": "record",
            "field": "separation_reason",
            "claim_id": claimant["claim_id"],
            "description": "压测：失业原因与实际不符（benchmarks.read_paths 生成）",
        }
        objections = [_checked(http.post(f"{api}/api/v1/objections", json=body), "objection")]
    claimant["objection_id"] = objections[0]["id"]


def _refresh(api: str, entry: Entry) -> None:
    answer = _Phone(entry["address"]).post(f"{api}/api/v1/auth/refresh", json={"refresh_token": entry["refresh_token"]})
    if answer.status_code != 200:
        raise NotPrepared(f"a refresh token was refused ({answer.status_code} {answer.text[:200]})")
    _hold(entry, answer.json())


def _parallel(work: Callable[[T], None], items: Iterable[T], label: str) -> list[tuple[T, Exception]]:
    """Run `work` on every item, PARALLEL at a time; returns the items that failed, with why."""
    failed: list[tuple[T, Exception]] = []
    lock = threading.Lock()

    def attempt(item: T) -> None:
        try:
            work(item)
        except Exception as error:  # reported per item, the rest go on
            with lock:
                failed.append((item, error))

    started = time.monotonic()
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(attempt, items))
    print(f"  {label}: {time.monotonic() - started:.1f} s, {len(failed)} failed")
    return failed


# In the database, through the application's own code.


def face_verify(app: Flask, entries: list[Entry]) -> None:
    """Mark these claimants' sessions face-verified, as a passed liveness check would."""
    by_hash = {digest(entry["access_token"]): entry for entry in entries}
    with app.app_context(), unit_of_work() as session:
        found = session.execute(
            select(AuthSession.id, AuthSession.access_token_hash, WeChatAccount.person_id)
            .join(WeChatAccount, WeChatAccount.id == AuthSession.wechat_account_id)
            .where(AuthSession.access_token_hash.in_(list(by_hash)))
        ).all()
        for session_id, _hash, person_id in found:
            if person_id is not None:  # bound at setup
                mark_face_verified(session_id, person_id)
    if len(found) != len(entries):
        raise NotPrepared(f"{len(entries) - len(found)} of {len(entries)} sessions to face-verify were not found")


def persons_with_claims(app: Flask, person_ids: list[int]) -> set[int]:
    with app.app_context(), unit_of_work() as session:
        return set(session.scalars(select(Claim.person_id).where(Claim.person_id.in_(person_ids)).distinct()))


def claim_outcomes(app: Flask, person_ids: list[int]) -> dict[str, int]:
    """How the claims of these people were decided (or where they wait), by status."""
    with app.app_context(), unit_of_work() as session:
        counted = select(Claim.status, func.count()).where(Claim.person_id.in_(person_ids)).group_by(Claim.status)
        return dict(session.execute(counted).tuples().all())


def _fresh_candidates(app: Flask, exclude: set[int], count: int) -> list[Entry]:
    """People with a separation on record and no claim, newest separation first."""
    with app.app_context(), unit_of_work() as session:
        latest = (
            select(StopContributionEvent.person_id, func.max(StopContributionEvent.stop_date).label("stop"))
            .group_by(StopContributionEvent.person_id)
            .subquery()
        )
        claimed = select(Claim.person_id)
        people = session.scalars(
            select(Person)
            .join(latest, latest.c.person_id == Person.id)
            .where(Person.id.not_in(claimed), Person.id.not_in(walkthrough_claimant()))
            .order_by(latest.c.stop.desc(), Person.id)
            .limit(count + len(exclude))
        )
        return [_claimant(person) for person in people if person.id not in exclude][:count]


def _claimant(person: Person) -> Entry:
    """As benchmarks/load/prepare.py picks them (the same WeChat account for the same person)."""
    key = hashlib.sha256(person.id_number.encode()).hexdigest()[:16]
    return {
        "key": key,
        "id_number": person.id_number,
        "name": person.name,
        "person_id": person.id,
        "address": _address(1, person.id),
    }


# The steps.


def setup(api: str, app: Flask, claimants: int, employers: int, pool_size: int) -> None:
    """Prepare everything once; run again to top up the submission pool (the rest is redone)."""
    with app.app_context(), unit_of_work() as session:
        people = pick_people(session, claimants, employers)
    print(f"read claimants: {len(people['claimants'])}, employers: {len(people['employers'])}")
    for claimant in people["claimants"]:
        claimant["address"] = _address(1, claimant["person_id"])
    for number, employer in enumerate(people["employers"]):
        employer["address"] = _address(2, number)
    _fail_on(_parallel(lambda c: sign_in_claimant(api, c), people["claimants"], "claimants sign in"))
    _fail_on(_parallel(lambda c: _claim_and_objection(api, app, c), people["claimants"], "claims and objections"))
    _fail_on(_parallel(lambda e: sign_in_employer(api, e), people["employers"], "employers sign in"))
    save(PEOPLE, people)
    top_up_pool(api, app, pool_size, {c["person_id"] for c in people["claimants"]})


def top_up_pool(api: str, app: Flask, size: int, readers: set[int]) -> None:
    """Keep the unused pool members that still have no claim; add new ones up to `size`."""
    kept = [e for e in (load(POOL)["pool"] if POOL.exists() else []) if not e.get("used")]
    claimed = persons_with_claims(app, [e["person_id"] for e in kept]) if kept else set()
    kept = [e for e in kept if e["person_id"] not in claimed and e["person_id"] not in readers]
    wanted = size - len(kept)
    print(f"submission pool: {len(kept)} unused kept, {max(wanted, 0)} to add")
    if wanted <= 0:
        save(POOL, {"pool": kept})
        return
    exclude = readers | {e["person_id"] for e in kept}
    added = _fresh_candidates(app, exclude, wanted)
    if len(added) < wanted:
        with app.app_context(), unit_of_work() as session:
            made = synthetic.import_people(session, wanted - len(added))
        print(f"  imported {made} synthetic people (the demo population had {len(added)} left)")
        added = _fresh_candidates(app, exclude, wanted)
    failed = _parallel(lambda e: sign_in_claimant(api, e), added, f"{len(added)} pool claimants sign in")
    if failed:
        print(f"  left out of the pool: {len(failed)}, e.g. {failed[0][1]}")
    dropped = {id(entry) for entry, _ in failed}
    kept += [{**e, "used": False} for e in added if id(e) not in dropped]
    save(POOL, {"pool": kept})
    print(f"submission pool: {len(kept)} fresh claimants → {POOL.relative_to(ROOT)}")


def _fail_on(failed: list[tuple[Any, Exception]]) -> None:
    if failed:
        raise RuntimeError(f"{len(failed)} failed; the first: {failed[0][1]}")


def ensure_fresh(api: str, entries: list[Entry], seconds: float, path: Path, data: dict[str, Any]) -> None:
    """Renew the access tokens of `entries` that would expire within `seconds`; save at once."""
    stale = [e for e in entries if e["access_expires_at"] < time.time() + seconds]
    if not stale:
        return
    failed = _parallel(lambda e: _refresh(api, e), stale, f"{len(stale)} tokens renewed")
    save(path, data)  # the used refresh tokens are gone: keep the new ones whatever happens next
    if failed:
        raise NotPrepared(f"{len(failed)} tokens could not be renewed: {failed[0][1]}")
