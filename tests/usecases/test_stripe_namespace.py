"""Two databases on one Stripe account (a rebuilt database, a second school): their idempotency keys
never meet, because each installation prefixes them with its own namespace. When keys do meet (a copied
database that kept its namespace), Stripe's refusal is logged clearly, the booking is refused cleanly,
and a refund is left to an operator instead of being retried for days."""

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from app.cli import main
from core.enums import ParticipantStatus, PaymentStatus
from core.errors import ValidationError
from core.usecases.bookings import book_slot
from core.usecases.refunds import REFUND_RETRY, refund_payment, retry_refunds
from integrations.stripe_gateway import StripeGateway
from storage.engine import create_engine
from storage.installation import read_namespace, renew_namespace
from storage.migrate import upgrade_to_head
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.stripe import FakeStripe
from tests.usecases.test_bookings import ANN, RULES, link, world


async def _school(tmp_path: Path, name: str) -> SqlUnitOfWorkFactory:
    url = f"sqlite+aiosqlite:///{tmp_path / name / 'tutorbot.db'}"
    await upgrade_to_head(url)
    return SqlUnitOfWorkFactory(create_engine(url))


async def _gateway(stripe: FakeStripe, uow_factory: SqlUnitOfWorkFactory) -> StripeGateway:
    return StripeGateway(stripe.api_key, stripe.base_url, namespace=await read_namespace(uow_factory.engine))


def _keys(stripe: FakeStripe, path: str) -> list[str]:
    return [r.idempotency_key for r in stripe.requests if r.path == path and r.idempotency_key]


async def test_two_databases_on_one_stripe_account_book_and_refund_their_own_payments(
    tmp_path: Path, stripe: FakeStripe, clock: FixedClock
) -> None:
    first, second = await _school(tmp_path, "a"), await _school(tmp_path, "b")
    assert await read_namespace(first.engine) != await read_namespace(second.engine)
    for uow_factory in (first, second):
        gateway = await _gateway(stripe, uow_factory)
        try:
            slot_id = await world(uow_factory, clock)
            # The same row ids in both databases: payment 1, participant 1.
            result = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
            assert result.payment.id == 1 and result.checkout_url is not None
            await stripe.pay(result.payment.checkout_session_id or "")
        finally:
            await gateway.close()
        await uow_factory.engine.dispose()
    checkout_keys = _keys(stripe, "/v1/checkout/sessions")
    assert len(checkout_keys) == len(set(checkout_keys)) == 2
    assert all(key.endswith("-checkout-1") for key in checkout_keys)
    assert len(stripe.sessions) == 2


async def test_a_key_stripe_knows_from_another_database_is_refused_clearly_and_not_retried(
    tmp_path: Path, stripe: FakeStripe, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    production, copy = await _school(tmp_path, "production"), await _school(tmp_path, "copy")
    namespace = await read_namespace(production.engine)
    # A copy made before it was given its own namespace: it sends production's keys.
    shared = StripeGateway(stripe.api_key, stripe.base_url, namespace=namespace)
    try:
        prod_slot = await world(production, clock)
        booked = await book_slot(production, clock, RULES, shared, link, user_id=ANN, slot_id=prod_slot)
        copy_slot = await world(copy, clock, rate=9000)
        with caplog.at_level(logging.ERROR), pytest.raises(ValidationError) as refused:
            await book_slot(copy, clock, RULES, shared, link, user_id=ANN, slot_id=copy_slot)
        assert refused.value.code == "booking.payment_unavailable"
        assert f"Stripe refused idempotency key '{namespace}-checkout-1'" in caplog.text
        async with copy() as uow:
            participant = await uow.participants.get(1)
            slot = await uow.slots.get(copy_slot)
        assert participant is not None and participant.status is ParticipantStatus.CANCELLED
        assert slot is not None and slot.seats_taken == 0  # the hold was released at once

        # A refund whose key Stripe knows from another request is given up on at once, for an operator.
        await stripe.pay(booked.payment.checkout_session_id or "")
        async with copy() as uow:
            payment = await uow.payments.get(1)
            assert payment is not None
            await uow.payments.update(
                replace(payment, status=PaymentStatus.REFUND_PENDING, payment_intent_id="pi_other", amount_minor=500)
            )
            await uow.commit()
        await stripe_refund(production, shared, clock, stripe, booked.payment.checkout_session_id or "")
        before = len(stripe.requests)
        assert not await refund_payment(copy, clock, shared, payment_id=1)
        async with copy() as uow:
            stuck = await uow.payments.get(1)
        assert stuck is not None and stuck.status is PaymentStatus.REFUND_PENDING
        assert stuck.refund_attempts == REFUND_RETRY.max_attempts
        assert (stuck.last_error or "").startswith("idempotency key conflict")
        clock.advance(hours=2)
        assert await retry_refunds(copy, clock, shared) == 0
        assert len(stripe.requests) == before + 1  # the one refused attempt, and no retry since
    finally:
        await shared.close()
        await production.engine.dispose()
        await copy.engine.dispose()


async def stripe_refund(
    uow_factory: SqlUnitOfWorkFactory, gateway: StripeGateway, clock: FixedClock, stripe: FakeStripe, checkout: str
) -> None:
    """Production refunds its payment 1: Stripe now knows `<namespace>-refund-1`."""
    async with uow_factory() as uow:
        payment = await uow.payments.get(1)
        assert payment is not None
        intent = str(stripe.sessions[checkout]["payment_intent"])
        await uow.payments.update(replace(payment, status=PaymentStatus.REFUND_PENDING, payment_intent_id=intent))
        await uow.commit()
    assert await refund_payment(uow_factory, clock, gateway, payment_id=1)


async def test_a_copied_database_gets_a_namespace_of_its_own(tmp_path: Path) -> None:
    copy = await _school(tmp_path, "copy")
    before = await read_namespace(copy.engine)
    renewed = await renew_namespace(copy.engine)
    assert renewed != before and await read_namespace(copy.engine) == renewed
    await copy.engine.dispose()


def test_the_installation_command_shows_and_renews_the_namespace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'school.db'}")
    assert main(["installation"]) == 0
    shown = capsys.readouterr().out.strip()
    assert main(["installation", "--new-namespace"]) == 0
    renewed = capsys.readouterr().out.strip()
    assert shown.startswith("namespace: ") and renewed.endswith(" (new)")
    assert renewed.removesuffix(" (new)") != shown
    assert main(["installation"]) == 0
    assert capsys.readouterr().out.strip() == renewed.removesuffix(" (new)")
