"""The languages the bot speaks and how a user's language is chosen."""

SOURCE_LANGUAGE = "en"
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "fr")


def supported_language(code: str | None) -> str | None:
    """Map a Telegram language code ("fr", "fr-CA", "pt-br") to a supported language, or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in SUPPORTED_LANGUAGES else None


def pick_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """The user's own choice wins, then their Telegram app's language, then the operator's default."""
    return supported_language(stored) or supported_language(telegram_code) or default
