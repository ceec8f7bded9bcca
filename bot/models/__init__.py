"""All models, imported here so that ``Base.metadata`` knows every table (Alembic needs it)."""

from bot.models.base import Base, UTCDateTime
from bot.models.enterprise import Enterprise, EnterpriseChange, EnterpriseQRCode, EnterpriseVisit
from bot.models.hazard import Attachment, Hazard, HazardCounter, HazardEvent
from bot.models.messaging import Conversation, DevMedia, InboundMessage, Job, OutboxMessage
from bot.models.region import Region
from bot.models.user import User

__all__ = [
    "Attachment",
    "Base",
    "Conversation",
    "DevMedia",
    "Enterprise",
    "EnterpriseChange",
    "EnterpriseQRCode",
    "EnterpriseVisit",
    "Hazard",
    "HazardCounter",
    "HazardEvent",
    "InboundMessage",
    "Job",
    "OutboxMessage",
    "Region",
    "User",
    "UTCDateTime",
]
