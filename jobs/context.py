"""What every job is given: the ports it works through, never concrete adapters."""

from dataclasses import dataclass

from core.clock import Clock
from core.delivery import Notifier
from core.payments import PaymentGateway
from core.ports import UnitOfWorkFactory
from core.rules import BusinessRules


@dataclass(frozen=True, slots=True, kw_only=True)
class JobContext:
    uow_factory: UnitOfWorkFactory
    notifier: Notifier
    clock: Clock
    rules: BusinessRules
    gateway: PaymentGateway
