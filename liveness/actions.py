"""The actions a claimant may be asked to do, and the challenge of 2–3 of them in random order."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence


class Action(enum.StrEnum):
    TURN_LEFT = "turn_left"  # the claimant's own left
    TURN_RIGHT = "turn_right"
    BLINK = "blink"
    OPEN_MOUTH = "open_mouth"


# Actions the checker can verify on real data today. Blinks and open mouths are measured
# (eye and mouth aspect ratios) but the only real clip shows neither, so thresholds for them
# are not calibrated yet and the server does not ask for them (README, liveness section).
ISSUABLE: tuple[Action, ...] = (Action.TURN_LEFT, Action.TURN_RIGHT)

_random = secrets.SystemRandom()


def pick_actions(available: Sequence[Action] = ISSUABLE, *, count: int | None = None) -> list[Action]:
    """2–3 actions, never the same one twice in a row (a second identical turn adds nothing
    the first did not show), chosen with the operating system's randomness."""
    wanted = count or _random.choice((2, 3))
    actions: list[Action] = []
    while len(actions) < wanted:
        choices = [action for action in available if not actions or action != actions[-1]]
        actions.append(_random.choice(choices))
    return actions
