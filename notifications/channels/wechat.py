"""WeChat through wechatpy: mini-program subscribe messages and official-account template
messages, with the access token kept in Redis and refreshed under a lock so that several
workers never rotate it against each other (each refresh invalidates the previous token)."""

from __future__ import annotations

from typing import Any

from redis.exceptions import LockError
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from miniapp_api.redis_store import RedisStore
from notifications.channels.base import Accepted, Outgoing, PermanentError, SubscriptionRefused, TemporaryError

SUBSCRIPTION_REFUSED = 43101
# Errors no retry can fix: bad openid, bad template, bad data, user not following the account.
_PERMANENT = {40003, 40036, 40037, 41028, 41029, 41030, 43004, 43107, 47003, 40013}
# Refresh this long before WeChat's stated expiry, so no request carries a dying token.
_EARLY_REFRESH_S = 300


class _EarlyExpiryStorage(RedisStorage):  # type: ignore[misc]
    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        super().set(key, value, max(60, ttl - _EARLY_REFRESH_S) if ttl else None)


class LockedTokenClient(WeChatClient):  # type: ignore[misc]
    """wechatpy's client, pointed at `base_url`, with one token refresh at a time across workers."""

    def __init__(self, appid: str, secret: str, *, base_url: str, store: RedisStore, timeout_s: float = 5) -> None:
        storage = _EarlyExpiryStorage(store.client, prefix=store.key("wechat"))
        super().__init__(appid, secret, session=storage, timeout=timeout_s, auto_retry=True)
        self._base_url = base_url.rstrip("/")
        self.API_BASE_URL = f"{self._base_url}/cgi-bin/"
        self.wxa.API_BASE_URL = f"{self._base_url}/"
        self._store = store
        self._token_in_use: str | None = None

    @property
    def access_token(self) -> str:
        token = self.session.get(self.access_token_key)
        if not token:
            self.fetch_access_token()
            token = self.session.get(self.access_token_key)
        self._token_in_use = token
        return str(token)

    def fetch_access_token(self) -> dict[str, Any]:
        """Also called by wechatpy when WeChat says the token is invalid (40001/42001)."""
        try:
            with self._store.lock(f"wechat-token:{self.appid}", timeout_s=30, blocking_timeout_s=15):
                current = self.session.get(self.access_token_key)
                if current and current != self._token_in_use:
                    return {"access_token": current}  # another worker refreshed it while we waited
                result: dict[str, Any] = self._fetch_access_token(
                    url=f"{self._base_url}/cgi-bin/token",
                    params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
                )
                return result
        except LockError as error:
            raise TemporaryError("wechat:token_lock", "token refresh lock not acquired") from error


def _classify(error: WeChatClientException) -> Exception:
    code = error.errcode
    if code == SUBSCRIPTION_REFUSED:
        return SubscriptionRefused(f"wechat:{code}", str(error.errmsg))
    if code in _PERMANENT:
        return PermanentError(f"wechat:{code}", str(error.errmsg))
    return TemporaryError(f"wechat:{code if code is not None else 'http'}", str(error.errmsg or ""))


class WeChatChannel:
    """Sends a rendered message to an openid through the mini-program or the official account."""

    def __init__(
        self, *, miniapp: LockedTokenClient, official: LockedTokenClient, template_ids: dict[str, str]
    ) -> None:
        self._miniapp = miniapp
        self._official = official
        self._template_ids = template_ids

    @property
    def miniapp(self) -> LockedTokenClient:
        """The mini-program's client (also used to exchange wx.login codes at login)."""
        return self._miniapp

    def template_id(self, name: str) -> str:
        """The id WeChat assigned to the template named `name` in templates.json."""
        return self._template_ids.get(name, name)

    def send(self, channel: str, outgoing: Outgoing) -> Accepted:
        if not outgoing.openid:
            raise SubscriptionRefused("wechat:no_openid", "收件人没有绑定微信")
        wechat = outgoing.template.wechat or {}
        template_id = self.template_id(wechat["template_id"])
        try:
            if channel == "wechat_subscribe":
                result = self._miniapp.wxa.send_subscribe_message(
                    outgoing.openid, template_id, outgoing.rendered.wechat_data, page=outgoing.rendered.wechat_link
                )
            else:
                result = self._official.message.send_template(
                    outgoing.openid, template_id, outgoing.rendered.wechat_data, url=outgoing.rendered.wechat_link
                )
        except WeChatClientException as error:
            raise _classify(error) from error
        except (OSError, ValueError) as error:  # requests' connection errors are OSErrors
            raise TemporaryError("wechat:transport", type(error).__name__) from error
        return Accepted(channel, str(result.get("msgid", outgoing.message_id)))
