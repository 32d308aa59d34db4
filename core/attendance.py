"""Whether a presence interval still counts as "in the video", written once for the tutor's view in
Telegram, the page's participants panel and the presence job."""

from datetime import datetime, timedelta

from core.entities import Attendance


def quiet_since(now: datetime, timeout_seconds: int) -> datetime:
    """A page whose last heartbeat is before this instant is gone."""
    return now - timedelta(seconds=timeout_seconds)


def in_video(interval: Attendance, now: datetime, timeout_seconds: int) -> bool:
    """Open, and either known only to Agora (which reports leaves itself) or heard from lately."""
    if interval.left_at is not None:
        return False
    return interval.last_seen_at is None or interval.last_seen_at >= quiet_since(now, timeout_seconds)


def interval_end(interval: Attendance, now: datetime, timeout_seconds: int) -> datetime:
    """When the interval ended, or `now` while it lasts; a quiet page ended at its last heartbeat."""
    if interval.left_at is not None:
        return interval.left_at
    if in_video(interval, now, timeout_seconds) or interval.last_seen_at is None:
        return now
    return interval.last_seen_at


def minutes_in_video(intervals: list[Attendance], now: datetime, timeout_seconds: int) -> int:
    return sum(int((interval_end(a, now, timeout_seconds) - a.joined_at).total_seconds() // 60) for a in intervals)
