"""Persistence: SQLAlchemy Core tables, repositories implementing `core.ports`, the unit of work, migrations.

Wiring: `engine = storage.engine.create_engine(url)`, `await storage.migrate.upgrade_to_head(url)`,
`uow_factory = storage.uow.SqlUnitOfWorkFactory(engine)`.
"""
