"""What may be shared in a session (spec 002 §5): a size limit and a list of document types."""

from core.errors import ValidationError

# Telegram lets bots fetch files up to 20 MB; anything larger could not be sent on to the others.
MAX_FILE_BYTES = 20 * 1024 * 1024
ALLOWED_EXTENSIONS = frozenset(
    {
        "pdf",
        "txt",
        "md",
        "csv",
        "doc",
        "docx",
        "odt",
        "rtf",
        "ppt",
        "pptx",
        "odp",
        "key",
        "xls",
        "xlsx",
        "ods",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "mp3",
        "m4a",
        "wav",
        "mp4",
        "zip",
    }
)


def check_file(name: str, size_bytes: int) -> str:
    """The cleaned file name; refuses files too large or of a type not on the list."""
    cleaned = name.strip().replace("/", "_").replace("\\\\", "_")[:200] or "file"
    extension = cleaned.rsplit(".", 1)[-1].lower() if "." in cleaned else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError("file.type", extension=extension or "?", allowed=", ".join(sorted(ALLOWED_EXTENSIONS)))
    if size_bytes > MAX_FILE_BYTES:
        raise ValidationError("file.too_big", max_mb=MAX_FILE_BYTES // (1024 * 1024))
    return cleaned
