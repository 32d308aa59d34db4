"""What this installation (this database) is: the namespace of the idempotency keys it sends to Stripe.

Keys are built from our row ids (`checkout-<id>`, `refund-<id>`), and Stripe remembers a key for 24 hours
per account: two databases on one Stripe account (a rebuilt database, a staging copy, a second school)
would send the same keys for different payments. The namespace, generated once per database by the
migration, keeps them apart.
"""

import secrets
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import transaction_turn
from storage.tables import installation


def new_namespace() -> str:
    return secrets.token_hex(6)


async def read_namespace(engine: AsyncEngine) -> str:
    async with transaction_turn(engine), engine.connect() as connection:
        namespace = (await connection.execute(select(installation.c.namespace))).scalar_one()
    return str(namespace)


async def renew_namespace(engine: AsyncEngine) -> str:
    """A new namespace, for a database copied from another installation (staging from production)."""
    namespace = new_namespace()
    async with transaction_turn(engine), engine.begin() as connection:
        await connection.execute(update(installation).values(namespace=namespace, created_at=datetime.now(UTC)))
    return namespace
