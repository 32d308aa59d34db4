"""SQL implementations of the repository ports in `core.ports`, one module per aggregate."""

from storage.repositories.attendance import SqlAttendanceRepository
from storage.repositories.conversations import SqlChatMessageRepository, SqlConversationRepository
from storage.repositories.days_off import SqlDayOffRepository
from storage.repositories.files import SqlSessionFileRepository
from storage.repositories.outbox import SqlOutboxRepository
from storage.repositories.participants import SqlParticipantRepository
from storage.repositories.patterns import SqlPatternRepository
from storage.repositories.payments import SqlPaymentRepository
from storage.repositories.sessions import SqlSessionRepository
from storage.repositories.slots import SqlSlotRepository
from storage.repositories.tutors import SqlTutorRepository
from storage.repositories.users import SqlUserRepository
from storage.repositories.webhook_events import SqlWebhookEventRepository

__all__ = [
    "SqlAttendanceRepository",
    "SqlChatMessageRepository",
    "SqlConversationRepository",
    "SqlDayOffRepository",
    "SqlOutboxRepository",
    "SqlParticipantRepository",
    "SqlPatternRepository",
    "SqlPaymentRepository",
    "SqlSessionFileRepository",
    "SqlSessionRepository",
    "SqlSlotRepository",
    "SqlTutorRepository",
    "SqlUserRepository",
    "SqlWebhookEventRepository",
]
