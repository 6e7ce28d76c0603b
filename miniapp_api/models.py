"""Import every domain's models so the metadata (and Alembic) sees all tables."""

from __future__ import annotations


def load_all_models() -> None:
    from auth import models as auth_models  # noqa: F401
    from miniapp_api.alerts import models as alert_models  # noqa: F401
    from miniapp_api.audit import models as audit_models  # noqa: F401
    from miniapp_api.claims import models as claim_models  # noqa: F401
    from miniapp_api.employers import models as employer_models  # noqa: F401
    from miniapp_api.faces import models as face_models  # noqa: F401
    from miniapp_api.holidays import models as holiday_models  # noqa: F401
    from miniapp_api.objections import models as objection_models  # noqa: F401
    from miniapp_api.payments import models as payment_models  # noqa: F401
    from miniapp_api.reads import models as read_models  # noqa: F401
    from miniapp_api.records import models  # noqa: F401
    from miniapp_api.refunds import models as refund_models  # noqa: F401
    from miniapp_api.safety import models as safety_models  # noqa: F401
    from notifications import models as notification_models  # noqa: F401
