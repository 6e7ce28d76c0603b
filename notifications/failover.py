"""Which SMS provider to try: weighted by recent health, kept in Redis so every worker agrees.

As in GOV.UK Notify, a provider that fails loses weight to the others and earns it back as
it succeeds again; a provider is never dropped entirely, so its recovery is noticed.
"""

from __future__ import annotations

import random

from miniapp_api.redis_store import RedisStore

FAILURE_PENALTY = 30
SUCCESS_REWARD = 10
FLOOR = 5


class ProviderBalance:
    def __init__(self, store: RedisStore, providers: list[str]) -> None:
        self._store = store
        self._key = store.key("sms", "weights")
        # In order of preference: the first starts with full weight, the others with half.
        self.base = {name: 100 if index == 0 else 50 for index, name in enumerate(providers)}

    def weights(self) -> dict[str, int]:
        stored = self._store.client.hgetall(self._key)
        return {name: int(stored.get(name, base)) for name, base in self.base.items()}

    def choose(self, rng: random.Random | None = None, *, weights: dict[str, int] | None = None) -> str:
        """Pick a provider by weight; pass `weights` (one read for a whole batch) to save a round trip."""
        weights = weights or self.weights()
        names = list(weights)
        return (rng or random).choices(names, [weights[n] for n in names])[0]

    def record_failure(self, name: str) -> None:
        self._adjust(name, -FAILURE_PENALTY)

    def record_success(self, name: str, *, known: dict[str, int] | None = None) -> None:
        if known is not None and known.get(name) == self.base.get(name):
            return  # already at full weight: nothing to earn back, no write
        self._adjust(name, SUCCESS_REWARD)

    def _adjust(self, name: str, delta: int) -> None:
        if name not in self.base:
            return
        current = self.weights()[name]
        self._store.client.hset(self._key, name, max(FLOOR, min(self.base[name], current + delta)))
