"""Agora tokens against Agora's published AccessToken vector, our tokens' binding to channel, uid and expiry,
and the Notification Center Service webhook signature and parsing."""

import base64
import hashlib
import hmac
import importlib
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from agora_token_builder.AccessToken import AccessToken, kJoinChannel
from agora_token_builder.RtcTokenBuilder import Role_Subscriber, RtcTokenBuilder

from core.video import TUTOR_UID, VideoEvent, VideoSignatureError, channel_name, participant_uid
from integrations.agora import (
    PRIVILEGE_JOIN_CHANNEL,
    PRIVILEGE_PUBLISH_AUDIO,
    PRIVILEGE_PUBLISH_DATA,
    PRIVILEGE_PUBLISH_VIDEO,
    SIGNATURE_HEADER,
    AgoraTokens,
    AgoraWebhookVerifier,
    decode_rtc_token,
    verify_rtc_token,
)

# Agora's AccessToken test vector (DynamicKey repository, also agora-token-builder's own tests).
VECTOR_APP_ID = "970CA35de60c44645bbae8a215061b33"
VECTOR_CERTIFICATE = "5CFd2fd1755d40ecb72977518be15d3b"
VECTOR_CHANNEL = "7d72365eb983485397e3e3f9d460bdda"
VECTOR_UID = 2882341273
VECTOR_SALT = 1
VECTOR_TS = 1111111
VECTOR_EXPIRE = 1446455471
VECTOR_TOKEN = "006970CA35de60c44645bbae8a215061b33IACV0fZUBw+72cVoL9eyGGh3Q6Poi8bgjwVLnyKSJyOXR7dIfRBXoFHlEAABAAAAR/QQAAEAAQCvKDdW"

APP_ID = "0123456789abcdef0123456789abcdef"
CERTIFICATE = "fedcba9876543210fedcba9876543210"
EXPIRES_AT = datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)

WEBHOOK_SECRET = "agora-ncs-test-secret"
# A "broadcaster joined" notice, byte for byte, and its signature computed once with the documented formula.
SIGNED_BODY = (
    b'{"noticeId":"2000001428:4330:107","productId":1,"eventType":103,"notifyMs":1700000000123,'
    b'"payload":{"channelName":"tutorbot-session-7","uid":1005,"ts":1700000000,"platform":1,"reason":1,'
    b'"clientSeq":1625051030746}}'
)
SIGNED_BODY_SIGNATURE = "b4653c436dfe762bd40979247b2aedd0b0ea5a0d10f332be4b1e3002b4847f80"


# --- Agora's reference vector -------------------------------------------------------------------------------


def test_the_package_reproduces_agoras_vector_with_fixed_salt_and_ts() -> None:
    token = AccessToken(VECTOR_APP_ID, VECTOR_CERTIFICATE, VECTOR_CHANNEL, VECTOR_UID)
    token.salt = VECTOR_SALT
    token.ts = VECTOR_TS
    token.addPrivilege(kJoinChannel, VECTOR_EXPIRE)

    assert token.build() == VECTOR_TOKEN


def test_the_builder_reproduces_agoras_vector_when_clock_and_random_are_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    access_token_module = importlib.import_module("agora_token_builder.AccessToken")
    # The builder sets ts to now + 24 hours and draws the salt from secrets.SystemRandom().randint.
    monkeypatch.setattr(access_token_module, "time", SimpleNamespace(time=lambda: VECTOR_TS - 24 * 3600))
    monkeypatch.setattr(
        access_token_module,
        "secrets",
        SimpleNamespace(SystemRandom=lambda: SimpleNamespace(randint=lambda low, high: VECTOR_SALT)),
    )

    # The subscriber role grants only "join channel", as the vector does.
    token = RtcTokenBuilder.buildTokenWithUid(
        VECTOR_APP_ID, VECTOR_CERTIFICATE, VECTOR_CHANNEL, VECTOR_UID, Role_Subscriber, VECTOR_EXPIRE
    )

    assert token == VECTOR_TOKEN


def test_decoding_agoras_vector() -> None:
    decoded = decode_rtc_token(VECTOR_TOKEN)

    assert decoded.version == "006"
    assert decoded.app_id == VECTOR_APP_ID
    assert decoded.salt == VECTOR_SALT
    assert decoded.ts == VECTOR_TS
    assert decoded.privileges == {1: VECTOR_EXPIRE}
    assert decoded.crc_channel == zlib.crc32(VECTOR_CHANNEL.encode())
    assert decoded.crc_uid == zlib.crc32(str(VECTOR_UID).encode())
    assert len(decoded.signature) == 32  # SHA-256


def test_agoras_vector_is_bound_to_its_channel_uid_and_certificate() -> None:
    assert verify_rtc_token(VECTOR_TOKEN, VECTOR_CERTIFICATE, VECTOR_CHANNEL, VECTOR_UID)
    assert not verify_rtc_token(VECTOR_TOKEN, VECTOR_CERTIFICATE, VECTOR_CHANNEL, VECTOR_UID + 1)
    assert not verify_rtc_token(VECTOR_TOKEN, VECTOR_CERTIFICATE, VECTOR_CHANNEL + "x", VECTOR_UID)
    assert not verify_rtc_token(VECTOR_TOKEN, CERTIFICATE, VECTOR_CHANNEL, VECTOR_UID)


# --- our tokens ---------------------------------------------------------------------------------------------


def test_a_participant_token_grants_join_and_publish_until_the_expiry() -> None:
    tokens = AgoraTokens(APP_ID, CERTIFICATE)
    channel, uid = channel_name(7), participant_uid(5)

    token = tokens.rtc_token(channel, uid, EXPIRES_AT)

    decoded = decode_rtc_token(token)
    expire = int(EXPIRES_AT.timestamp())
    assert tokens.app_id == APP_ID
    assert token.startswith("006" + APP_ID)
    assert decoded.app_id == APP_ID
    assert decoded.privileges == {
        PRIVILEGE_JOIN_CHANNEL: expire,
        PRIVILEGE_PUBLISH_AUDIO: expire,
        PRIVILEGE_PUBLISH_VIDEO: expire,
        PRIVILEGE_PUBLISH_DATA: expire,
    }
    assert decoded.crc_channel == zlib.crc32(b"tutorbot-session-7")
    assert decoded.crc_uid == zlib.crc32(b"1005")


def test_a_participant_token_is_bound_to_its_channel_uid_and_certificate() -> None:
    channel, uid = channel_name(7), participant_uid(5)
    token = AgoraTokens(APP_ID, CERTIFICATE).rtc_token(channel, uid, EXPIRES_AT)

    assert verify_rtc_token(token, CERTIFICATE, channel, uid)
    assert not verify_rtc_token(token, CERTIFICATE, channel, participant_uid(6))
    assert not verify_rtc_token(token, CERTIFICATE, channel, TUTOR_UID)
    assert not verify_rtc_token(token, CERTIFICATE, channel, 0)
    assert not verify_rtc_token(token, CERTIFICATE, channel_name(8), uid)
    assert not verify_rtc_token(token, VECTOR_CERTIFICATE, channel, uid)


def test_the_expiry_is_signed() -> None:
    channel, uid = channel_name(7), participant_uid(5)
    token = AgoraTokens(APP_ID, CERTIFICATE).rtc_token(channel, uid, EXPIRES_AT)
    decoded = decode_rtc_token(token)
    later = int((EXPIRES_AT + timedelta(days=365)).timestamp())

    message = struct.pack("<IIH", decoded.salt, decoded.ts, len(decoded.privileges)) + b"".join(
        struct.pack("<HI", key, later) for key in sorted(decoded.privileges)
    )
    content = (
        struct.pack("<H", len(decoded.signature))
        + decoded.signature
        + struct.pack("<II", decoded.crc_channel, decoded.crc_uid)
        + struct.pack("<H", len(message))
        + message
    )
    extended = "006" + APP_ID + base64.b64encode(content).decode()

    assert decode_rtc_token(extended).privileges[PRIVILEGE_JOIN_CHANNEL] == later
    assert not verify_rtc_token(extended, CERTIFICATE, channel, uid)


def test_the_tutor_and_participants_get_distinct_accepted_uids() -> None:
    tokens = AgoraTokens(APP_ID, CERTIFICATE)
    channel = channel_name(123456789)

    for uid in (TUTOR_UID, participant_uid(1), participant_uid(2**31)):
        assert verify_rtc_token(tokens.rtc_token(channel, uid, EXPIRES_AT), CERTIFICATE, channel, uid)
    assert TUTOR_UID not in {participant_uid(pid) for pid in range(10_000)}


def test_expiry_in_another_offset_is_the_same_instant_floored_to_the_second() -> None:
    tokens = AgoraTokens(APP_ID, CERTIFICATE)
    local = EXPIRES_AT.astimezone(timezone(timedelta(hours=-5))) + timedelta(microseconds=999_999)

    decoded = decode_rtc_token(tokens.rtc_token(channel_name(1), TUTOR_UID, local))

    assert set(decoded.privileges.values()) == {int(EXPIRES_AT.timestamp())}


def test_every_allowed_character_and_64_bytes_are_accepted() -> None:
    tokens = AgoraTokens(APP_ID, CERTIFICATE)
    specials = "!#$%&()+-:;<=.>?@[]^_{}|~ ,"
    long_name = ("aZ09" + specials)[:64].ljust(64, "x")

    for channel in (specials, long_name, "x"):
        token = tokens.rtc_token(channel, TUTOR_UID, EXPIRES_AT)
        assert verify_rtc_token(token, CERTIFICATE, channel, TUTOR_UID)


@pytest.mark.parametrize("channel", ["", "a" * 65, "caf\u00e9", "a/b", "a\tb", "a*b", "a'b", 'a"b', "a\\b", "a`b"])
def test_channel_names_agora_refuses_are_refused(channel: str) -> None:
    with pytest.raises(ValueError):
        AgoraTokens(APP_ID, CERTIFICATE).rtc_token(channel, TUTOR_UID, EXPIRES_AT)


@pytest.mark.parametrize("uid", [0, -1, 2**32, True])
def test_uids_outside_uint32_or_zero_are_refused(uid: int) -> None:
    with pytest.raises(ValueError):
        AgoraTokens(APP_ID, CERTIFICATE).rtc_token(channel_name(1), uid, EXPIRES_AT)


def test_the_largest_uint32_uid_is_accepted() -> None:
    token = AgoraTokens(APP_ID, CERTIFICATE).rtc_token(channel_name(1), 2**32 - 1, EXPIRES_AT)

    assert verify_rtc_token(token, CERTIFICATE, channel_name(1), 2**32 - 1)


@pytest.mark.parametrize(
    "expires_at",
    [
        datetime(2031, 3, 4, 5, 6, 7),  # naive
        datetime(1970, 1, 1, tzinfo=UTC),  # 0 would mean "never expires"
        datetime(1969, 12, 31, tzinfo=UTC),
        datetime(2106, 2, 8, tzinfo=UTC),  # past uint32
    ],
)
def test_expiries_a_token_cannot_carry_are_refused(expires_at: datetime) -> None:
    with pytest.raises(ValueError):
        AgoraTokens(APP_ID, CERTIFICATE).rtc_token(channel_name(1), TUTOR_UID, expires_at)


@pytest.mark.parametrize(
    ("app_id", "certificate"),
    [("", CERTIFICATE), ("app", CERTIFICATE), (APP_ID[:-1] + "g", CERTIFICATE), (APP_ID, " ")],
)
def test_credentials_are_checked(app_id: str, certificate: str) -> None:
    with pytest.raises(ValueError):
        AgoraTokens(app_id, certificate)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "007" + VECTOR_TOKEN[3:],
        VECTOR_TOKEN[:20],
        VECTOR_TOKEN[:35] + "not base64!",
        VECTOR_TOKEN[:-8],
        VECTOR_TOKEN[:35] + base64.b64encode(base64.b64decode(VECTOR_TOKEN[35:]) + b"\0").decode(),
        VECTOR_TOKEN[:35] + base64.b64encode(b"\x05\x00ab").decode(),
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(ValueError):
        decode_rtc_token(token)
    assert not verify_rtc_token(token, VECTOR_CERTIFICATE, VECTOR_CHANNEL, VECTOR_UID)


# --- webhooks -----------------------------------------------------------------------------------------------


def sign(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def notice(event_type: int, *, uid: int = 1005, product_id: int = 1, ts: int | None = 1700000000) -> bytes:
    payload: dict[str, object] = {
        "channelName": "tutorbot-session-7",
        "uid": uid,
        "platform": 1,
        "reason": 1,
        "clientSeq": 42,
    }
    if ts is not None:
        payload["ts"] = ts
    body = {
        "noticeId": "notice-1",
        "productId": product_id,
        "eventType": event_type,
        "notifyMs": 1700000005250,
        "payload": payload,
    }
    return json.dumps(body).encode()


def test_the_known_signature_vector() -> None:
    assert SIGNATURE_HEADER == "Agora-Signature-V2"
    assert sign(SIGNED_BODY) == SIGNED_BODY_SIGNATURE

    events = AgoraWebhookVerifier(WEBHOOK_SECRET).verify(SIGNED_BODY, SIGNED_BODY_SIGNATURE)

    assert events == [
        VideoEvent(
            event_id="2000001428:4330:107:103:1005:1625051030746",
            channel="tutorbot-session-7",
            uid=participant_uid(5),
            joined=True,
            at=datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
        )
    ]


def test_an_uppercase_hex_signature_is_accepted() -> None:
    assert AgoraWebhookVerifier(WEBHOOK_SECRET).verify(SIGNED_BODY, SIGNED_BODY_SIGNATURE.upper())


@pytest.mark.parametrize(("event_type", "joined"), [(103, True), (104, False), (105, True), (106, False)])
def test_join_and_leave_events(event_type: int, joined: bool) -> None:
    body = notice(event_type, uid=TUTOR_UID)

    [event] = AgoraWebhookVerifier(WEBHOOK_SECRET).verify(body, sign(body))

    assert event == VideoEvent(
        event_id=f"notice-1:{event_type}:1:42",
        channel="tutorbot-session-7",
        uid=TUTOR_UID,
        joined=joined,
        at=datetime.fromtimestamp(1700000000, UTC),
    )
    assert event.at.tzinfo is UTC


def test_without_payload_ts_the_time_comes_from_notify_ms() -> None:
    body = notice(104, ts=None)

    [event] = AgoraWebhookVerifier(WEBHOOK_SECRET).verify(body, sign(body))

    assert event.at == datetime(2023, 11, 14, 22, 13, 25, 250000, tzinfo=UTC)
    assert not event.joined


@pytest.mark.parametrize(("event_type", "product_id"), [(101, 1), (102, 1), (107, 1), (111, 1), (1, 1), (103, 3)])
def test_other_notifications_are_acknowledged_without_events(event_type: int, product_id: int) -> None:
    body = notice(event_type, product_id=product_id)

    assert AgoraWebhookVerifier(WEBHOOK_SECRET).verify(body, sign(body)) == []


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "   ",
        "0" * 64,
        SIGNED_BODY_SIGNATURE[:-1],
        sign(SIGNED_BODY, "another-secret"),
        "sha256=" + SIGNED_BODY_SIGNATURE,
        "\u00e9" * 64,
    ],
)
def test_a_missing_or_wrong_signature_is_refused(signature: str | None) -> None:
    with pytest.raises(VideoSignatureError):
        AgoraWebhookVerifier(WEBHOOK_SECRET).verify(SIGNED_BODY, signature)


def test_a_tampered_body_is_refused() -> None:
    tampered = SIGNED_BODY.replace(b'"uid":1005', b'"uid":1006')
    assert tampered != SIGNED_BODY

    with pytest.raises(VideoSignatureError):
        AgoraWebhookVerifier(WEBHOOK_SECRET).verify(tampered, SIGNED_BODY_SIGNATURE)


def test_an_unsigned_malformed_body_is_a_signature_error() -> None:
    with pytest.raises(VideoSignatureError):
        AgoraWebhookVerifier(WEBHOOK_SECRET).verify(b"not json", SIGNED_BODY_SIGNATURE)


def _with(top: dict[str, object] | None = None, payload: dict[str, object] | None = None) -> bytes:
    """The join notice of `notice(103)` with some top-level and payload fields replaced."""
    body = json.loads(notice(103))
    body["payload"].update(payload or {})
    body.update(top or {})
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe{}",
        b"[]",
        b"null",
        b"[" * 100_000,
        _with({"noticeId": None}),
        _with({"noticeId": 7}),
        _with({"eventType": "103"}),
        _with({"eventType": True}),
        _with({"productId": None}),
        _with({"productId": "1"}),
        _with({"payload": None}),
        _with({"payload": []}),
        _with(payload={"channelName": ""}),
        _with(payload={"uid": "1005"}),
        _with(payload={"uid": -1}),
        _with(payload={"uid": 2**32}),
        _with(payload={"uid": 1005.0}),
        _with(payload={"clientSeq": None}),
        _with(payload={"ts": "1700000000"}),
        _with(payload={"ts": 10**18}),
        _with({"notifyMs": None}, {"ts": None}),
    ],
)
def test_a_signed_malformed_body_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        AgoraWebhookVerifier(WEBHOOK_SECRET).verify(body, sign(body))


def test_the_webhook_secret_must_not_be_empty() -> None:
    with pytest.raises(ValueError):
        AgoraWebhookVerifier(" ")
