from sqlalchemy import RowMapping, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import SessionFile
from storage.repositories._common import require_new
from storage.tables import session_files


def _to_file(row: RowMapping) -> SessionFile:
    return SessionFile(
        id=row["id"],
        session_id=row["session_id"],
        participant_id=row["participant_id"],
        uploader_id=row["uploader_id"],
        telegram_file_id=row["telegram_file_id"],
        telegram_file_unique_id=row["telegram_file_unique_id"],
        file_name=row["file_name"],
        mime_type=row["mime_type"],
        size_bytes=row["size_bytes"],
        created_at=row["created_at"],
    )


class SqlSessionFileRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, file: SessionFile) -> SessionFile:
        """Insert the file record; sets the new id on `file` and returns it."""
        require_new(file)
        result = await self._conn.execute(
            insert(session_files)
            .values(
                session_id=file.session_id,
                participant_id=file.participant_id,
                uploader_id=file.uploader_id,
                telegram_file_id=file.telegram_file_id,
                telegram_file_unique_id=file.telegram_file_unique_id,
                file_name=file.file_name,
                mime_type=file.mime_type,
                size_bytes=file.size_bytes,
                created_at=file.created_at,
            )
            .returning(session_files.c.id)
        )
        file.id = result.scalar_one()
        return file

    async def list_for_session(self, session_id: int, participant_id: int | None) -> list[SessionFile]:
        """The files of one participation of the session (`participant_id`), or the session-wide files of a
        group (None), in upload order."""
        scope = (
            session_files.c.participant_id.is_(None)
            if participant_id is None
            else session_files.c.participant_id == participant_id
        )
        result = await self._conn.execute(
            select(session_files).where(session_files.c.session_id == session_id, scope).order_by(session_files.c.id)
        )
        return [_to_file(row) for row in result.mappings()]

    async def get(self, file_id: int) -> SessionFile | None:
        result = await self._conn.execute(select(session_files).where(session_files.c.id == file_id))
        row = result.mappings().first()
        return _to_file(row) if row is not None else None

    async def delete(self, file_id: int) -> bool:
        result = await self._conn.execute(delete(session_files).where(session_files.c.id == file_id))
        return result.rowcount == 1
