"""Time zone of a shared location, resolved offline."""

from timezonefinder import TimezoneFinder


class OfflineZoneLocator:
    """Backed by timezonefinder's bundled polygons: no network, a few milliseconds per lookup."""

    def __init__(self) -> None:
        self._finder = TimezoneFinder()

    def zone_at(self, latitude: float, longitude: float) -> str | None:
        if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
            return None
        zone: str | None = self._finder.timezone_at(lat=latitude, lng=longitude)
        # Open sea resolves to "Etc/GMT+N", whose sign confuses people: ask for a zone name instead.
        if zone is None or zone.startswith("Etc/"):
            return None
        return zone
