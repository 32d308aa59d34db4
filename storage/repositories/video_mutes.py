from sqlalchemy import func, select

from core.entities import VideoMute
from storage.repositories._common import TableRepository
from storage.repositories._stored import VIDEO_MUTES
from storage.tables import video_mutes


class SqlVideoMuteRepository(TableRepository[VideoMute]):
    stored = VIDEO_MUTES

    async def add(self, mute: VideoMute) -> VideoMute:
        return await self._insert(mute)

    async def count_for(self, session_id: int, user_id: int) -> int:
        """How many times the person was muted in the session."""
        result = await self._conn.execute(
            select(func.count())
            .select_from(video_mutes)
            .where(video_mutes.c.session_id == session_id, video_mutes.c.user_id == user_id)
        )
        return int(result.scalar_one())
