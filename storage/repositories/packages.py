"""Packages, their purchases, and the credits ledger whose sums are the balances."""

from datetime import datetime

from sqlalchemy import bindparam, func, select

from core.credit_refunds import CreditRefund
from core.enums import CreditReason, CreditRefundStatus, PurchaseStatus
from core.packages import Balance, CreditEntry, Package, PackagePurchase
from storage.repositories._common import TableRepository, insert_or_ignore
from storage.repositories._stored import CREDIT_ENTRIES, CREDIT_REFUNDS, PACKAGES, PURCHASES
from storage.tables import courses, credit_entries, credit_refunds, package_purchases, packages

_LOCK = select(package_purchases).where(package_purchases.c.id == bindparam("id")).with_for_update()
_LEFT = func.coalesce(func.sum(credit_entries.c.delta), 0)


class SqlPackageRepository(TableRepository[Package]):
    stored = PACKAGES

    async def add(self, package: Package) -> Package:
        return await self._insert(package)

    async def get(self, package_id: int) -> Package | None:
        return await self._first_by(packages.c.id, package_id)

    async def update(self, package: Package) -> None:
        await self._update(package)

    async def on_sale(self, tutor_id: int | None) -> list[Package]:
        """The active packages of a tutor (None: the school's), cheapest first."""
        owner = packages.c.tutor_id.is_(None) if tutor_id is None else packages.c.tutor_id == tutor_id
        # A course's package is sold as the course (enrolling), never with the packages.
        not_a_course = packages.c.id.not_in(select(courses.c.package_id))
        return await self._list(
            select(packages)
            .where(owner, packages.c.active.is_(True), not_a_course)
            .order_by(packages.c.price_minor, packages.c.id)
        )


class SqlPurchaseRepository(TableRepository[PackagePurchase]):
    stored = PURCHASES

    async def add(self, purchase: PackagePurchase) -> PackagePurchase:
        return await self._insert(purchase)

    async def get(self, purchase_id: int) -> PackagePurchase | None:
        return await self._first_by(package_purchases.c.id, purchase_id)

    async def get_by_checkout(self, checkout_session_id: str) -> PackagePurchase | None:
        return await self._first_by(package_purchases.c.checkout_session_id, checkout_session_id)

    async def update(self, purchase: PackagePurchase) -> None:
        await self._update(purchase)

    async def update_if(self, purchase: PackagePurchase, expected: PurchaseStatus) -> bool:
        """Write the purchase only if its status is still `expected` (a webhook and a poll race)."""
        return await self._update_where(purchase, package_purchases.c.status == expected.value)

    async def open_checkouts(self, created_before: datetime, limit: int) -> list[PackagePurchase]:
        """Purchases still waiting for their checkout, oldest first (the missed-webhook fallback)."""
        return await self._list(
            select(package_purchases)
            .where(
                package_purchases.c.status == PurchaseStatus.PENDING.value,
                package_purchases.c.checkout_session_id.is_not(None),
                package_purchases.c.created_at <= created_before,
            )
            .order_by(package_purchases.c.created_at, package_purchases.c.id)
            .limit(limit)
        )

    async def waiting(self, user_id: int, package_id: int, created_after: datetime) -> PackagePurchase | None:
        """The person's purchase of this package still waiting for payment on a page opened after
        `created_after` (a second tap reuses it rather than opening another page)."""
        return self.stored.first(
            await self._conn.execute(
                select(package_purchases)
                .where(
                    package_purchases.c.user_id == user_id,
                    package_purchases.c.package_id == package_id,
                    package_purchases.c.status == PurchaseStatus.PENDING.value,
                    package_purchases.c.checkout_url.is_not(None),
                    package_purchases.c.created_at > created_after,
                )
                .order_by(package_purchases.c.created_at.desc())
                .limit(1)
            )
        )

    async def lock(self, purchase_id: int) -> PackagePurchase | None:
        """Serialize the spending of one purchase's credits until the transaction ends (a parent and a
        child booking at once). PostgreSQL: a row lock; SQLite: every transaction holds the write lock."""
        if self._conn.dialect.name == "sqlite":
            return await self.get(purchase_id)
        return self.stored.first(await self._conn.execute(_LOCK, {"id": purchase_id}))


class SqlCreditLedger(TableRepository[CreditEntry]):
    stored = CREDIT_ENTRIES

    async def add(self, entry: CreditEntry) -> bool:
        """Write the move; False (nothing written) when this purchase already has a move with its key."""
        result = await self._conn.execute(
            insert_or_ignore(self._conn, credit_entries, ["purchase_id", "key"])
            .values(**CREDIT_ENTRIES.values(entry))
            .returning(credit_entries.c.id)
        )
        return result.first() is not None

    async def left(self, purchase_id: int) -> int:
        result = await self._conn.execute(select(_LEFT).where(credit_entries.c.purchase_id == purchase_id))
        return int(result.scalar_one())

    async def balances(self, user_id: int) -> list[Balance]:
        """The person's paid purchases with what is left of each, the soonest to expire first."""
        query = (
            select(package_purchases, _LEFT.label("left"))
            .select_from(
                package_purchases.outerjoin(credit_entries, credit_entries.c.purchase_id == package_purchases.c.id)
            )
            .where(package_purchases.c.user_id == user_id, package_purchases.c.status == PurchaseStatus.PAID.value)
            .group_by(*package_purchases.c)
            .order_by(package_purchases.c.expires_at, package_purchases.c.id)
        )
        rows = (await self._conn.execute(query)).mappings().all()
        return [Balance(PURCHASES.entity(row), int(row["left"])) for row in rows]

    async def spend_of(self, participant_id: int) -> CreditEntry | None:
        """The credit a booking was paid with, if it was."""
        return self.stored.first(
            await self._conn.execute(
                select(credit_entries).where(
                    credit_entries.c.participant_id == participant_id,
                    credit_entries.c.reason == CreditReason.SPEND.value,
                )
            )
        )

    async def lapsed(self, now: datetime, limit: int) -> list[Balance]:
        """Paid purchases past their validity whose leftover credits were not written off yet."""
        # Its own name: the outer query joins the same table to sum the credits.
        expiry = credit_entries.alias("expiry")
        settled = (
            select(expiry.c.id)
            .where(expiry.c.purchase_id == package_purchases.c.id, expiry.c.reason == CreditReason.EXPIRY.value)
            .exists()
        )
        query = (
            select(package_purchases, _LEFT.label("left"))
            .select_from(
                package_purchases.outerjoin(credit_entries, credit_entries.c.purchase_id == package_purchases.c.id)
            )
            .where(
                package_purchases.c.status == PurchaseStatus.PAID.value,
                package_purchases.c.expires_at <= now,
                ~settled,
            )
            .group_by(*package_purchases.c)
            .order_by(package_purchases.c.expires_at, package_purchases.c.id)
            .limit(limit)
        )
        rows = (await self._conn.execute(query)).mappings().all()
        return [Balance(PURCHASES.entity(row), int(row["left"])) for row in rows]


class SqlCreditRefundRepository(TableRepository[CreditRefund]):
    stored = CREDIT_REFUNDS

    async def add(self, refund: CreditRefund) -> CreditRefund:
        return await self._insert(refund)

    async def get(self, refund_id: int) -> CreditRefund | None:
        return await self._first_by(credit_refunds.c.id, refund_id)

    async def update_if(self, refund: CreditRefund, expected: CreditRefundStatus) -> bool:
        """Write the request only if its status is still `expected` (two approvers, or a retry, race)."""
        return await self._update_where(refund, credit_refunds.c.status == expected.value)

    async def by_refund_id(self, refund_id: str) -> CreditRefund | None:
        return await self._first_by(credit_refunds.c.refund_id, refund_id)

    async def open_for(self, purchase_id: int) -> CreditRefund | None:
        """The purchase's request still waiting for a decision or for its money, if any."""
        return self.stored.first(
            await self._conn.execute(
                select(credit_refunds).where(
                    credit_refunds.c.purchase_id == purchase_id,
                    credit_refunds.c.status.in_(
                        [CreditRefundStatus.REQUESTED.value, CreditRefundStatus.REFUND_PENDING.value]
                    ),
                )
            )
        )

    async def due(self, now: datetime, limit: int, max_attempts: int) -> list[CreditRefund]:
        """Approved refunds whose next attempt is due, oldest first."""
        return await self._list(
            select(credit_refunds)
            .where(
                credit_refunds.c.status == CreditRefundStatus.REFUND_PENDING.value,
                credit_refunds.c.next_attempt_at <= now,
                credit_refunds.c.attempts < max_attempts,
            )
            .order_by(credit_refunds.c.next_attempt_at, credit_refunds.c.id)
            .limit(limit)
        )

    async def unpaid(self, limit: int) -> list[CreditRefund]:
        """Every approved refund whose money has not gone back yet, the longest-waiting first."""
        return await self._list(
            select(credit_refunds)
            .where(credit_refunds.c.status == CreditRefundStatus.REFUND_PENDING.value)
            .order_by(credit_refunds.c.updated_at, credit_refunds.c.id)
            .limit(limit)
        )
