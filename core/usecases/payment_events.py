"""Stripe's webhook events, dispatched to the use cases they concern. Every event is recorded by id and
applied once; unknown types are acknowledged and ignored."""

from core.clock import Clock
from core.payments import STRIPE, PaymentEvent, PaymentGateway, PaymentOutcome
from core.ports import UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.payments import confirm_checkout
from core.usecases.refunds import reconcile_refund_event

CHECKOUT_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.expired",
        "checkout.session.async_payment_failed",
    }
)
REFUND_EVENTS = frozenset({"charge.refunded", "refund.created", "refund.updated", "refund.failed"})


async def handle_payment_event(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, gateway: PaymentGateway, event: PaymentEvent
) -> PaymentOutcome:
    if event.checkout is not None and event.type in CHECKOUT_EVENTS:
        return await confirm_checkout(uow_factory, clock, rules, gateway, checkout=event.checkout, event_id=event.id)
    if event.type in REFUND_EVENTS:
        return await reconcile_refund_event(uow_factory, clock, event)
    async with uow_factory() as uow:
        if not await uow.webhook_events.record(STRIPE, event.id, event.type, clock.now()):
            return PaymentOutcome("duplicate")
        await uow.commit()
    return PaymentOutcome("ignored")
