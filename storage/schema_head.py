"""Whether a database is at the latest migration, read without loading Alembic.

A bot that restarts on a database already migrated needs nothing from Alembic, which costs about 10 MiB
of resident memory and a tenth of a second to import; the migrations run (`storage.migrate`) only when
the database is behind, or new. `tests/storage/test_migrations.py` checks HEAD_REVISION against
Alembic's own head.
"""

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.engine import create_engine

HEAD_REVISION = "0014"


async def at_head(url: str) -> bool:
    """True when the database at `url` records exactly HEAD_REVISION; False if it is new or behind (or
    the version table cannot be read: the migration will say why)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:
        return False
    finally:
        await engine.dispose()
    return [row[0] for row in rows] == [HEAD_REVISION]
