"""Agora behind the video ports: RTC join tokens (AccessToken v006, built by agora-token-builder), a decoder
and checker for those tokens, and verification of Agora's Notification Center Service webhooks."""

import base64
import hashlib
import hmac
import json
import string
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from agora_token_builder.RtcTokenBuilder import Role_Publisher, RtcTokenBuilder

from core.video import VideoEvent, VideoSignatureError

# The header carrying the Notification Center Service's signature: hex(HMAC-SHA256(secret, raw body)).
SIGNATURE_HEADER = "Agora-Signature-V2"

# AccessToken v006 privilege keys (the values are the instants, in Unix seconds, at which they expire).
PRIVILEGE_JOIN_CHANNEL = 1
PRIVILEGE_PUBLISH_AUDIO = 2
PRIVILEGE_PUBLISH_VIDEO = 3
PRIVILEGE_PUBLISH_DATA = 4

TOKEN_VERSION = "006"
_APP_ID_LENGTH = 32
_UINT32_MAX = 2**32 - 1
_CHANNEL_MAX_BYTES = 64
_CHANNEL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "!#$%&()+-:;<=.>?@[]^_{}|~ ,")
_HEX_DIGITS = frozenset(string.hexdigits)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Notification Center Service: product 1 is RTC; its channel events for joining and leaving.
_RTC_PRODUCT_ID = 1
_BROADCASTER_JOINED, _BROADCASTER_LEFT, _AUDIENCE_JOINED, _AUDIENCE_LEFT = 103, 104, 105, 106
_JOINED_EVENTS = frozenset({_BROADCASTER_JOINED, _AUDIENCE_JOINED})
_LEFT_EVENTS = frozenset({_BROADCASTER_LEFT, _AUDIENCE_LEFT})


class AgoraTokens:
    """`core.video.VideoTokens` on Agora RTC tokens (AccessToken v006), with the publisher role: the holder
    may join the channel and publish audio, video and data until the expiry."""

    def __init__(self, app_id: str, app_certificate: str) -> None:
        # The token format has a fixed 32-character slot for the app id, which Agora issues as hex.
        if len(app_id) != _APP_ID_LENGTH or not set(app_id) <= _HEX_DIGITS:
            raise ValueError("the Agora app id must be 32 hexadecimal characters")
        if not app_certificate.strip():
            raise ValueError("the Agora app certificate is empty")
        self._app_id = app_id
        self._app_certificate = app_certificate

    @property
    def app_id(self) -> str:
        return self._app_id

    def rtc_token(self, channel: str, uid: int, expires_at: datetime) -> str:
        _check_channel(channel)
        _check_uid(uid)
        expire_ts = _unix_seconds(expires_at)
        token: str = RtcTokenBuilder.buildTokenWithUid(
            self._app_id, self._app_certificate, channel, uid, Role_Publisher, expire_ts
        )
        return token


def _check_channel(channel: str) -> None:
    if not channel:
        raise ValueError("the channel name is empty")
    if not set(channel) <= _CHANNEL_CHARACTERS:
        raise ValueError(f"the channel name {channel!r} has characters Agora does not allow")
    if len(channel.encode("utf-8")) > _CHANNEL_MAX_BYTES:
        raise ValueError(f"the channel name is longer than {_CHANNEL_MAX_BYTES} bytes")


def _check_uid(uid: int) -> None:
    # 0 would make a token that any uid can use (Agora reads it as "assign one"), so it is refused too.
    if isinstance(uid, bool) or not isinstance(uid, int) or not 1 <= uid <= _UINT32_MAX:
        raise ValueError(f"the uid must be an integer from 1 to {_UINT32_MAX}, not {uid!r}")


def _unix_seconds(expires_at: datetime) -> int:
    """The whole Unix second at or before `expires_at`, so a token never outlives the instant asked for."""
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError("expires_at must be an aware datetime")
    seconds = (expires_at - _EPOCH) // timedelta(seconds=1)
    # 0 means "never expires" to Agora, and the field is a uint32.
    if not 1 <= seconds <= _UINT32_MAX:
        raise ValueError(f"expires_at {expires_at.isoformat()} does not fit an Agora token")
    return seconds


@dataclass(frozen=True, slots=True)
class DecodedToken:
    """The fields of an AccessToken v006, as carried in the token (nothing here is checked against a key)."""

    version: str
    app_id: str
    # HMAC-SHA256(app certificate, app id + channel + uid + message).
    signature: bytes
    # zlib.crc32 of the channel name and of the uid's decimal string ("" for uid 0).
    crc_channel: int
    crc_uid: int
    salt: int
    # The token's own timestamp (Unix seconds), set by the builder to 24 hours after it was made.
    ts: int
    # Privilege key -> Unix second at which it expires.
    privileges: dict[int, int]


class _Reader:
    """Little-endian reads over a byte string; ValueError on running past its end."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._position = 0

    def _take(self, size: int) -> bytes:
        end = self._position + size
        if end > len(self._data):
            raise ValueError("the token is truncated")
        chunk = self._data[self._position : end]
        self._position = end
        return chunk

    def uint16(self) -> int:
        value: int = struct.unpack("<H", self._take(2))[0]
        return value

    def uint32(self) -> int:
        value: int = struct.unpack("<I", self._take(4))[0]
        return value

    def packed_bytes(self) -> bytes:
        return self._take(self.uint16())

    def finish(self) -> None:
        if self._position != len(self._data):
            raise ValueError("the token has trailing bytes")


def _parse(token: str) -> tuple[DecodedToken, bytes]:
    """The decoded token and its raw message (salt, ts, privileges) bytes, which the signature covers."""
    version = token[: len(TOKEN_VERSION)]
    if version != TOKEN_VERSION:
        raise ValueError(f"not an AccessToken {TOKEN_VERSION} (version {version!r})")
    app_id = token[len(TOKEN_VERSION) : len(TOKEN_VERSION) + _APP_ID_LENGTH]
    if len(app_id) != _APP_ID_LENGTH or not app_id.isascii():
        raise ValueError("the token's app id is malformed")
    try:
        content = base64.b64decode(token[len(TOKEN_VERSION) + _APP_ID_LENGTH :], validate=True)
    except ValueError as exc:  # binascii.Error, or non-ASCII text
        raise ValueError(f"the token's content is not base64: {exc}") from exc

    reader = _Reader(content)
    signature = reader.packed_bytes()
    crc_channel = reader.uint32()
    crc_uid = reader.uint32()
    message = reader.packed_bytes()
    reader.finish()

    reader = _Reader(message)
    salt = reader.uint32()
    ts = reader.uint32()
    privileges: dict[int, int] = {}
    for _ in range(reader.uint16()):
        key = reader.uint16()
        if key in privileges:
            raise ValueError(f"the token repeats privilege {key}")
        privileges[key] = reader.uint32()
    reader.finish()

    decoded = DecodedToken(
        version=version,
        app_id=app_id,
        signature=signature,
        crc_channel=crc_channel,
        crc_uid=crc_uid,
        salt=salt,
        ts=ts,
        privileges=privileges,
    )
    return decoded, message


def decode_rtc_token(token: str) -> DecodedToken:
    """The fields of an AccessToken v006 RTC token; ValueError when it is not one."""
    return _parse(token)[0]


def verify_rtc_token(token: str, app_certificate: str, channel: str, uid: int) -> bool:
    """Whether `token` was signed with `app_certificate` for exactly `channel` and `uid` (expiry not checked)."""
    try:
        decoded, message = _parse(token)
    except ValueError:
        return False
    uid_text = "" if uid == 0 else str(uid)  # as the builder writes it
    signed = decoded.app_id.encode("utf-8") + channel.encode("utf-8") + uid_text.encode("utf-8") + message
    expected = hmac.new(app_certificate.encode("utf-8"), signed, hashlib.sha256).digest()
    return (
        hmac.compare_digest(expected, decoded.signature)
        and decoded.crc_channel == zlib.crc32(channel.encode("utf-8"))
        and decoded.crc_uid == zlib.crc32(uid_text.encode("utf-8"))
    )


class AgoraWebhookVerifier:
    """`core.video.VideoWebhookVerifier` for Agora's Notification Center Service (`Agora-Signature-V2`)."""

    def __init__(self, secret: str) -> None:
        if not secret.strip():
            raise ValueError("the Agora webhook secret is empty")
        self._secret = secret.encode("utf-8")

    def verify(self, payload: bytes, signature: str | None) -> list[VideoEvent]:
        """The join/leave events of a notification whose `Agora-Signature-V2` header value is `signature`.

        VideoSignatureError when the signature is missing or wrong (whatever the body); ValueError when it
        holds but the body is not a notification; [] for notifications other than RTC joins and leaves.
        """
        if signature is None or not signature.strip():
            raise VideoSignatureError(f"no {SIGNATURE_HEADER} header")
        given = signature.strip().lower()
        expected = hmac.new(self._secret, payload, hashlib.sha256).hexdigest()
        if not given.isascii() or not hmac.compare_digest(expected.encode("ascii"), given.encode("ascii")):
            raise VideoSignatureError(f"the {SIGNATURE_HEADER} signature does not match the body")
        return _events_from(payload)


def _events_from(payload: bytes) -> list[VideoEvent]:
    try:
        data = json.loads(payload)
    except RecursionError as exc:
        raise ValueError("the notification nests too deeply") from exc
    except ValueError as exc:  # not JSON, or not UTF-8
        raise ValueError(f"the notification is not JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ValueError("the notification is not a JSON object")
    notice_id = _require_str(data, "noticeId")
    product_id = _require_int(data, "productId")
    event_type = _require_int(data, "eventType")
    if product_id != _RTC_PRODUCT_ID or event_type not in _JOINED_EVENTS | _LEFT_EVENTS:
        return []

    body = data.get("payload")
    if not isinstance(body, Mapping):
        raise ValueError("the notification has no payload object")
    channel = _require_str(body, "channelName")
    uid = _require_int(body, "uid")
    if uid > _UINT32_MAX:
        raise ValueError(f"uid {uid} is not a uint32")
    client_seq = _require_int(body, "clientSeq")
    if body.get("ts") is not None:
        at = _from_millis(_require_int(body, "ts") * 1000)
    else:
        at = _from_millis(_require_int(data, "notifyMs"))
    return [
        VideoEvent(
            # Agora may send the same notice again; these four identify the event within it.
            event_id=f"{notice_id}:{event_type}:{uid}:{client_seq}",
            channel=channel,
            uid=uid,
            joined=event_type in _JOINED_EVENTS,
            at=at,
        )
    ]


def _require_str(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is missing or not a non-empty string")
    return value


def _require_int(data: Mapping[str, object], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} is missing or not a non-negative integer")
    return value


def _from_millis(millis: int) -> datetime:
    try:
        return _EPOCH + timedelta(milliseconds=millis)
    except OverflowError as exc:
        raise ValueError(f"the timestamp {millis} ms is out of range") from exc
