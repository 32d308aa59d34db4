"""What every job is given: the ports it works through, never concrete adapters."""

import asyncio
from dataclasses import dataclass, field

from core.clock import Clock
from core.delivery import Notifier
from core.payments import PaymentGateway
from core.ports import UnitOfWorkFactory
from core.rules import BusinessRules
from jobs.pacing import SendPacer


@dataclass(frozen=True, slots=True, kw_only=True)
class JobContext:
    uow_factory: UnitOfWorkFactory
    notifier: Notifier
    clock: Clock
    rules: BusinessRules
    gateway: PaymentGateway
    # One per process, shared by every outbox run, so the pace holds across runs.
    pacer: SendPacer = field(default_factory=SendPacer)
    # Set when the process shuts down: long runs (a paced backlog) stop at the next safe point.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
