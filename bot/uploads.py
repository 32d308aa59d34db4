"""A file someone sent in a chat, as core takes it: a document, or the largest size of a photo."""

from aiogram.types import Message

from core.usecases.room import Upload


def upload_of(message: Message) -> Upload | None:
    document = message.document
    if document is not None:
        return Upload(
            telegram_file_id=document.file_id,
            telegram_file_unique_id=document.file_unique_id,
            file_name=document.file_name or "file",
            mime_type=document.mime_type,
            size_bytes=document.file_size or 0,
        )
    if message.photo:
        photo = message.photo[-1]
        return Upload(
            telegram_file_id=photo.file_id,
            telegram_file_unique_id=photo.file_unique_id,
            file_name=f"photo-{photo.file_unique_id}.jpg",
            mime_type="image/jpeg",
            size_bytes=photo.file_size or 0,
        )
    return None
