"""The services the use cases work through, built once at the composition root (`app.wiring`) and handed
alike to the Telegram handlers, the jobs and the web handlers."""

from dataclasses import dataclass

from core.clock import Clock
from core.delivery import Notifier
from core.join_links import JoinLinks
from core.payments import PaymentGateway
from core.ports import UnitOfWorkFactory
from core.rules import BusinessRules


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    rules: BusinessRules
    gateway: PaymentGateway
    join_links: JoinLinks
    notifier: Notifier
