"""The record of how a decision was reached: each step's rule, outcome, reason and basis,
and every parameter version consulted (with its effective date and citation)."""

from __future__ import annotations

import re
from typing import Any

from miniapp_api.rules.parameters import ParameterVersion


def cite(*bases: str) -> str:
    """Bases joined with "；", each article once (a gloss in brackets does not make it another)."""
    seen: dict[str, str] = {}
    for part in (part.strip() for basis in bases for part in basis.split("；")):
        if part:
            seen.setdefault(re.sub(r"（[^（）]*）$", "", part), part)
    return "；".join(seen.values())


class Trace:
    __slots__ = ("_parameters", "steps")

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self._parameters: dict[int, ParameterVersion] = {}

    def use(self, version: ParameterVersion) -> ParameterVersion:
        self._parameters.setdefault(id(version), version)
        return version

    def step(self, rule: str, outcome: str, reason: str, basis: str, **inputs: Any) -> None:
        self.steps.append({"rule": rule, "outcome": outcome, "reason": reason, "basis": basis, "inputs": inputs})

    @property
    def parameters(self) -> list[ParameterVersion]:
        return list(self._parameters.values())
