"""Per-recipient sending limits, quiet hours, and the retry schedule."""

from __future__ import annotations

import datetime as dt
import random

from miniapp_api.clock import CHINA
from miniapp_api.errors import AppError
from miniapp_api.redis_store import RedisStore
from notifications.templates import Template


class TooManyMessages(AppError):
    status = 429
    code = "TOO_MANY_MESSAGES"
    message = "发送过于频繁，请稍后再试"


def check_recipient_limits(store: RedisStore, template: Template, recipient_hash: str) -> None:
    """Count this message against each of the template's (count, seconds) limits for the number.

    Providers enforce the same rules for codes (e.g. 1 a minute, 5 an hour, 10 a day) and
    answer with a throttling error; refusing here tells the person why, before anything is sent.
    """
    for count, seconds in template.limits:
        if count == 1:  # "one a minute": a cooldown from the last send
            retry_after = store.start_cooldown(f"msg:{template.kind}:{seconds}", recipient_hash, seconds=seconds)
        else:
            result = store.hit_rate_limit(
                f"msg:{template.kind}:{seconds}", recipient_hash, limit=count, window_s=seconds
            )
            retry_after = 0 if result.allowed else result.retry_after_s
        if retry_after:
            raise TooManyMessages(
                f"发送过于频繁，请{wait_words(retry_after)}后再试",
                details={"retry_after_s": retry_after},
                retry_after_s=retry_after,
            )


def wait_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds}秒"
    if seconds < 7200:
        return f"{seconds // 60}分钟"
    return f"{seconds // 3600}小时"


def quiet_until(now: dt.datetime, quiet: tuple[dt.time, dt.time] | None) -> dt.datetime | None:
    """The end of the quiet period `now` falls in (China time), or None outside it."""
    if quiet is None:
        return None
    start, end = quiet
    local = now.astimezone(CHINA)
    clock = local.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    resume = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if resume <= local:
        resume += dt.timedelta(days=1)
    return resume.astimezone(dt.UTC)


def retry_delay_s(
    attempt: int, *, base_s: float, cap_s: float, urgent: bool, rng: random.Random | None = None
) -> float:
    """Capped exponential backoff with jitter; urgent messages (login codes) retry sooner."""
    base = base_s / 10 if urgent else base_s
    delay = min(cap_s, base * 2 ** max(0, attempt - 1))
    return float(delay * (rng or random).uniform(0.5, 1.5))
