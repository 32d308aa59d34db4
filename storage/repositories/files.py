from sqlalchemy import delete, select

from core.entities import SessionFile
from storage.repositories._common import TableRepository
from storage.repositories._stored import FILES
from storage.tables import session_files


class SqlSessionFileRepository(TableRepository[SessionFile]):
    stored = FILES

    async def add(self, file: SessionFile) -> SessionFile:
        """Insert the file record; sets the new id on `file` and returns it."""
        return await self._insert(file)

    async def list_for_session(self, session_id: int, participant_id: int | None) -> list[SessionFile]:
        """The files of one participation of the session (`participant_id`), or the session-wide files of a
        group (None), in upload order."""
        scope = (
            session_files.c.participant_id.is_(None)
            if participant_id is None
            else session_files.c.participant_id == participant_id
        )
        return await self._list(
            select(session_files).where(session_files.c.session_id == session_id, scope).order_by(session_files.c.id)
        )

    async def get(self, file_id: int) -> SessionFile | None:
        return await self._first_by(session_files.c.id, file_id)

    async def delete(self, file_id: int) -> bool:
        result = await self._conn.execute(delete(session_files).where(session_files.c.id == file_id))
        return result.rowcount == 1
