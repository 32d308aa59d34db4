"""What every job is given: the services it works through (ports, never concrete adapters), and what the
job process itself owns."""

import asyncio
from dataclasses import dataclass, field

from core.services import Services
from jobs.pacing import SendPacer


@dataclass(frozen=True, slots=True, kw_only=True)
class JobContext:
    services: Services
    # One per process, shared by every outbox run, so the pace holds across runs.
    pacer: SendPacer = field(default_factory=SendPacer)
    # Set when the process shuts down: long runs (a paced backlog) stop at the next safe point.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
