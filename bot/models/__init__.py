"""All models, imported here so that ``Base.metadata`` knows every table (Alembic needs it)."""

from bot.models.api import ApiIdempotencyKey, MiniProgramAccount, RateLimitCounter, SubscribeConsent
from bot.models.base import Base, UTCDateTime
from bot.models.campaign import Campaign, CampaignTask, WeeklyReport
from bot.models.console_login import ConsoleLoginTicket
from bot.models.enterprise import Enterprise, EnterpriseChange, EnterpriseQRCode, EnterpriseVisit
from bot.models.hazard import Attachment, Hazard, HazardCounter, HazardEvent, HazardFollower
from bot.models.inspection import (
    Checklist,
    ChecklistItem,
    Inspection,
    InspectionFinding,
    InspectionInspector,
    InspectionResult,
)
from bot.models.messaging import Conversation, DevMedia, InboundMessage, Job, OutboxMessage
from bot.models.people import PeopleAudit
from bot.models.region import Region
from bot.models.scheduling import SchedulerLease
from bot.models.user import User
from bot.models.workflow import BindingCode, IdentityAccess, Penalty, RectificationPlan, RewardCase

__all__ = [
    "ApiIdempotencyKey",
    "Attachment",
    "BindingCode",
    "Campaign",
    "CampaignTask",
    "Checklist",
    "ChecklistItem",
    "Base",
    "ConsoleLoginTicket",
    "Conversation",
    "DevMedia",
    "Enterprise",
    "EnterpriseChange",
    "EnterpriseQRCode",
    "EnterpriseVisit",
    "Hazard",
    "HazardCounter",
    "HazardEvent",
    "HazardFollower",
    "IdentityAccess",
    "Inspection",
    "InspectionFinding",
    "InspectionInspector",
    "InspectionResult",
    "InboundMessage",
    "Job",
    "MiniProgramAccount",
    "OutboxMessage",
    "Penalty",
    "PeopleAudit",
    "RateLimitCounter",
    "RectificationPlan",
    "Region",
    "RewardCase",
    "SchedulerLease",
    "SubscribeConsent",
    "User",
    "UTCDateTime",
    "WeeklyReport",
]
