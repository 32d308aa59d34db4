"""SQL implementations of the repository ports in `core.ports`, one module per aggregate."""

import typing
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncConnection

from core.ports import (
    AttendanceRepository,
    ChatMessageRepository,
    ConversationRepository,
    CourseRepository,
    CreditLedger,
    CreditRefundRepository,
    DayOffRepository,
    FamilyRepository,
    MoveProposalRepository,
    OutboxRepository,
    PackageRepository,
    ParticipantRepository,
    PatternRepository,
    PaymentRepository,
    PurchaseRepository,
    ReminderRepository,
    ReviewRepository,
    SessionFileRepository,
    SessionNoteRepository,
    SessionRepository,
    SlotRepository,
    TutorRepository,
    UserRepository,
    VideoMuteRepository,
    WaitlistRepository,
    WebhookEventRepository,
)
from storage.repositories._common import Changes
from storage.repositories.attendance import SqlAttendanceRepository
from storage.repositories.conversations import SqlChatMessageRepository, SqlConversationRepository
from storage.repositories.courses import SqlCourseRepository
from storage.repositories.days_off import SqlDayOffRepository
from storage.repositories.families import SqlFamilyRepository
from storage.repositories.files import SqlSessionFileRepository
from storage.repositories.move_proposals import SqlMoveProposalRepository
from storage.repositories.outbox import SqlOutboxRepository
from storage.repositories.packages import (
    SqlCreditLedger,
    SqlCreditRefundRepository,
    SqlPackageRepository,
    SqlPurchaseRepository,
)
from storage.repositories.participants import SqlParticipantRepository
from storage.repositories.patterns import SqlPatternRepository
from storage.repositories.payments import SqlPaymentRepository
from storage.repositories.reminders import SqlReminderRepository
from storage.repositories.reviews import SqlReviewRepository
from storage.repositories.session_notes import SqlSessionNoteRepository
from storage.repositories.sessions import SqlSessionRepository
from storage.repositories.slots import SqlSlotRepository
from storage.repositories.tutors import SqlTutorRepository
from storage.repositories.users import SqlUserRepository
from storage.repositories.video_mutes import SqlVideoMuteRepository
from storage.repositories.waitlist import SqlWaitlistRepository
from storage.repositories.webhook_events import SqlWebhookEventRepository


class Repositories:
    """Every repository, by the name a unit of work gives it, as the port it implements and the class that
    implements it: the one list of them."""

    users: Annotated[UserRepository, SqlUserRepository]
    tutors: Annotated[TutorRepository, SqlTutorRepository]
    slots: Annotated[SlotRepository, SqlSlotRepository]
    patterns: Annotated[PatternRepository, SqlPatternRepository]
    days_off: Annotated[DayOffRepository, SqlDayOffRepository]
    sessions: Annotated[SessionRepository, SqlSessionRepository]
    participants: Annotated[ParticipantRepository, SqlParticipantRepository]
    payments: Annotated[PaymentRepository, SqlPaymentRepository]
    attendance: Annotated[AttendanceRepository, SqlAttendanceRepository]
    video_mutes: Annotated[VideoMuteRepository, SqlVideoMuteRepository]
    files: Annotated[SessionFileRepository, SqlSessionFileRepository]
    conversations: Annotated[ConversationRepository, SqlConversationRepository]
    chat_messages: Annotated[ChatMessageRepository, SqlChatMessageRepository]
    outbox: Annotated[OutboxRepository, SqlOutboxRepository]
    reminders: Annotated[ReminderRepository, SqlReminderRepository]
    webhook_events: Annotated[WebhookEventRepository, SqlWebhookEventRepository]
    packages: Annotated[PackageRepository, SqlPackageRepository]
    purchases: Annotated[PurchaseRepository, SqlPurchaseRepository]
    credits: Annotated[CreditLedger, SqlCreditLedger]
    credit_refunds: Annotated[CreditRefundRepository, SqlCreditRefundRepository]
    courses: Annotated[CourseRepository, SqlCourseRepository]
    families: Annotated[FamilyRepository, SqlFamilyRepository]
    reviews: Annotated[ReviewRepository, SqlReviewRepository]
    session_notes: Annotated[SessionNoteRepository, SqlSessionNoteRepository]
    waitlist: Annotated[WaitlistRepository, SqlWaitlistRepository]
    move_proposals: Annotated[MoveProposalRepository, SqlMoveProposalRepository]

    def open_repositories(self, connection: AsyncConnection, changes: Changes) -> None:
        for name, hint in typing.get_type_hints(Repositories, include_extras=True).items():
            _port, implementation = typing.get_args(hint)
            setattr(self, name, implementation(connection, changes))


__all__ = [
    "Repositories",
    "SqlAttendanceRepository",
    "SqlChatMessageRepository",
    "SqlConversationRepository",
    "SqlCourseRepository",
    "SqlCreditLedger",
    "SqlCreditRefundRepository",
    "SqlDayOffRepository",
    "SqlFamilyRepository",
    "SqlMoveProposalRepository",
    "SqlOutboxRepository",
    "SqlPackageRepository",
    "SqlParticipantRepository",
    "SqlPatternRepository",
    "SqlPaymentRepository",
    "SqlPurchaseRepository",
    "SqlReminderRepository",
    "SqlReviewRepository",
    "SqlSessionFileRepository",
    "SqlSessionNoteRepository",
    "SqlSessionRepository",
    "SqlSlotRepository",
    "SqlTutorRepository",
    "SqlUserRepository",
    "SqlVideoMuteRepository",
    "SqlWaitlistRepository",
    "SqlWebhookEventRepository",
]
