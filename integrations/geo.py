"""Time zone of a shared location, resolved offline."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder


class OfflineZoneLocator:
    """Backed by timezonefinder's bundled polygons: no network, a few milliseconds per lookup.

    Loaded at the first location shared: timezonefinder and what it imports (numpy, h3) are 15 MiB of
    resident memory that a bot whose people type their zone never needs."""

    def __init__(self) -> None:
        self._finder: TimezoneFinder | None = None

    def zone_at(self, latitude: float, longitude: float) -> str | None:
        if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
            return None
        if self._finder is None:
            from timezonefinder import TimezoneFinder

            self._finder = TimezoneFinder()
        zone: str | None = self._finder.timezone_at(lat=latitude, lng=longitude)
        # Open sea resolves to "Etc/GMT+N", whose sign confuses people: ask for a zone name instead.
        if zone is None or zone.startswith("Etc/"):
            return None
        return zone
