"""Staff's second factor: a time-based one-time password (TOTP, RFC 6238) from an authenticator
app, asked at every staff sign-in (the console's and the API's). A staff member enrols once in
the console (the secret shown as a QR code, confirmed with a code); each code works once; wrong
codes count towards one lockout wherever they are typed; an admin can reset the enrolment."""

from __future__ import annotations

import pyotp
import segno

from auth.models import StaffUser
from miniapp_api.db import utcnow

ISSUER = "失业保险经办"
LOCKOUT_SCOPE = "staff_second_factor"  # the console's and the API's wrong codes count together
_STEP_S = 30


def enrolled(staff: StaffUser) -> bool:
    return staff.totp_secret is not None and staff.totp_confirmed_at is not None


def secret_for_enrolment(staff: StaffUser) -> str:
    """The secret being enrolled: the same one on every visit until a code confirms it."""
    if staff.totp_secret is None:
        staff.totp_secret = pyotp.random_base32()
    return staff.totp_secret


def enrolment_qr_svg(staff: StaffUser, secret: str) -> str:
    uri = pyotp.TOTP(secret).provisioning_uri(name=staff.username, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=4, title="扫描二维码添加到身份验证器")


def check(staff: StaffUser, code: str) -> bool:
    """Whether `code` is the current (or the previous or next step's) code, never used before; a
    first good code confirms the enrolment."""
    if staff.totp_secret is None or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(staff.totp_secret)
    now = utcnow().timestamp()
    for drift in (0, -1, 1):
        step = int(now // _STEP_S) + drift
        if totp.at(step * _STEP_S) == code:
            if staff.totp_last_step is not None and step <= staff.totp_last_step:
                return False  # replayed, or an older code after a newer one
            staff.totp_last_step = step
            if staff.totp_confirmed_at is None:
                staff.totp_confirmed_at = utcnow()
            return True
    return False


def reset(staff: StaffUser) -> None:
    staff.totp_secret, staff.totp_confirmed_at, staff.totp_last_step = None, None, None
