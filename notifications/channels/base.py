"""What every channel takes and answers, and the three ways a send can fail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from notifications.templates import Rendered, Template


class DeliveryError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class TemporaryError(DeliveryError):
    """Worth trying again later (network, throttling, provider outage)."""


class PermanentError(DeliveryError):
    """Trying again cannot help (bad number, bad openid, template rejected)."""


class OutcomeUnknown(DeliveryError):
    """The request went out but no answer came back (read timeout): the provider may have the
    message. Never resend blindly; the sweep asks the provider first."""


def transport_error(prefix: str, error: Exception) -> DeliveryError:
    """A connection that never reached the provider can be retried; a timeout while waiting
    for its answer may hide an accepted message."""
    text = f"{type(error).__name__}: {error}"
    if "timed out" in text.lower() or "timeout" in text.lower():
        return OutcomeUnknown(f"{prefix}:timeout", type(error).__name__)
    return TemporaryError(f"{prefix}:transport", type(error).__name__)


class SubscriptionRefused(PermanentError):
    """WeChat 43101: the user refused or used up the subscription; send by SMS instead."""


@dataclass(frozen=True)
class Outgoing:
    message_id: str
    template: Template
    rendered: Rendered
    phone: str | None
    openid: str | None


@dataclass(frozen=True)
class Accepted:
    provider: str
    reference: str


@dataclass(frozen=True)
class Found:
    """What a provider says it knows of a message we are unsure we sent."""

    reference: str
    delivered: bool | None  # None: accepted, no receipt yet


class SmsProvider(Protocol):
    name: str

    def send(self, outgoing: Outgoing, sign_name: str) -> Accepted: ...

    def lookup(self, message_id: str, phone: str, since: dt.datetime) -> Found | None:
        """The provider's record of `message_id`, or None when it never received it."""
        ...
