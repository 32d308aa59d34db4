"""Live sessions on the web: the join page (signed links), the room's calls (presence, the room's state,
the tutor's mutes) and Agora's webhook."""

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiohttp import web

from core.errors import DomainError, Forbidden, NotFound, ValidationError
from core.join_links import JoinClaim, JoinLinkSigner
from core.languages import pick_language, supported_language
from core.services import Services
from core.usecases.accounts import get_user
from core.usecases.live import open_join_link
from core.usecases.presence import (
    PresenceReport,
    RoomState,
    mute_student,
    record_video_event,
    report_presence,
    room_state,
)
from core.video import VideoSignatureError, VideoTokens, VideoWebhookVerifier
from web.join_page import VideoSdk, join_page, refused_page, room_error_text

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LiveWeb:
    """What the join page and Agora's webhook need."""

    services: Services
    signer: JoinLinkSigner
    tokens: VideoTokens | None
    video_webhook: VideoWebhookVerifier | None
    i18n: I18n
    default_language: str
    sdk: VideoSdk


_LIVE = web.AppKey("live", LiveWeb)
STATIC = Path(__file__).with_name("static")


def _language(live: LiveWeb, user_language: str | None) -> str:
    return user_language or live.default_language


def _browser_language(request: web.Request) -> str | None:
    """The first language of the browser's Accept-Language that the bot speaks."""
    for part in request.headers.get("Accept-Language", "").split(","):
        found = supported_language(part.split(";")[0].strip())
        if found:
            return found
    return None


async def _reader_language(live: LiveWeb, request: web.Request, token: str) -> str:
    """A refused link still answers its holder in their language: the person it was made for (even
    expired), else the browser's, else the school's default."""
    user_id = live.signer.claimed_user(token)
    user = await get_user(live.services.uow_factory(), user_id) if user_id is not None else None
    return pick_language(user.language if user else None, _browser_language(request), live.default_language)


def _refused(live: LiveWeb, language: str, status: int, code: str, session_status: str | None = None) -> web.Response:
    page = refused_page(live.i18n, language, code, session_status)
    return web.Response(text=page, status=status, content_type="text/html", headers={"Cache-Control": "no-store"})


async def _join(request: web.Request) -> web.Response:
    live = request.app[_LIVE]
    token = request.match_info["token"]
    if live.tokens is None:
        return _refused(live, await _reader_language(live, request, token), 503, "video.unavailable")
    try:
        ticket = await open_join_link(
            live.services.uow_factory, live.services.clock, live.services.rules, live.signer, live.tokens, token=token
        )
    except DomainError as error:
        language = await _reader_language(live, request, token)
        return _refused(live, language, 403, error.code, error.params.get("status"))
    page = join_page(live.i18n, ticket, _language(live, ticket.user.language), live.sdk, live.services.rules)
    return web.Response(text=page, content_type="text/html", headers={"Cache-Control": "no-store"})


def _claim(live: LiveWeb, request: web.Request) -> JoinClaim | None:
    try:
        return live.signer.verify(request.match_info["token"], live.services.clock.now())
    except DomainError:
        return None


def _room_json(room: RoomState) -> web.Response:
    return web.json_response(
        {
            "status": room.status.value,
            "endsAt": room.ends_at.isoformat(),
            "me": room.me,
            "isTutor": room.is_tutor,
            "mutes": room.mutes,
            "people": [asdict(person) for person in room.people],
        },
        headers={"Cache-Control": "no-store"},
    )


async def _presence(request: web.Request) -> web.Response:
    """The page's join, heartbeat and leave; a join or heartbeat is answered with the room's state."""
    live = request.app[_LIVE]
    claim = _claim(live, request)
    if claim is None:
        return web.Response(status=403)
    try:
        report = PresenceReport((await request.text()).strip())
    except ValueError:
        return web.Response(status=400)
    services = live.services
    await report_presence(
        services.uow_factory, services.clock, session_id=claim.session_id, user_id=claim.user_id, report=report
    )
    if report is PresenceReport.LEFT:
        return web.Response(status=204)
    try:
        room = await room_state(
            services.uow_factory, services.clock, services.rules, session_id=claim.session_id, user_id=claim.user_id
        )
    except DomainError:
        return web.Response(status=403)
    return _room_json(room)


async def _refusal_json(live: LiveWeb, request: web.Request, error: DomainError, status: int) -> web.Response:
    language = await _reader_language(live, request, request.match_info["token"])
    with live.i18n.use_locale(language), live.i18n.context():
        message = room_error_text(error.code)
    return web.json_response({"error": error.code, "message": message}, status=status)


async def _mute(request: web.Request) -> web.Response:
    """The tutor mutes a student: `{"uid": <the student's video uid>}`; the rules are the core's."""
    live = request.app[_LIVE]
    claim = _claim(live, request)
    if claim is None:
        return web.Response(status=403)
    invalid = ValidationError("request.invalid")
    try:
        uid = json.loads(await request.text())["uid"]
    except (ValueError, KeyError, TypeError):
        return await _refusal_json(live, request, invalid, 400)
    if not isinstance(uid, int) or isinstance(uid, bool) or not 0 < uid < 2**32:
        return await _refusal_json(live, request, invalid, 400)
    services = live.services
    try:
        await mute_student(
            services.uow_factory, services.clock, session_id=claim.session_id, user_id=claim.user_id, uid=uid
        )
    except Forbidden as error:
        return await _refusal_json(live, request, error, 403)
    except NotFound as error:
        return await _refusal_json(live, request, error, 404)
    except DomainError as error:
        return await _refusal_json(live, request, error, 409)
    return web.Response(status=204)


async def _agora_webhook(request: web.Request) -> web.Response:
    live = request.app[_LIVE]
    if live.video_webhook is None:
        return web.Response(status=404)
    payload = await request.read()
    try:
        events = live.video_webhook.verify(payload, request.headers.get("Agora-Signature-V2"))
    except VideoSignatureError as error:
        log.warning("refused an Agora webhook: %s", error)
        return web.json_response({"error": "invalid signature"}, status=401)
    except ValueError:
        return web.json_response({"error": "malformed notification"}, status=400)
    for event in events:
        await record_video_event(live.services.uow_factory, live.services.clock, event)
    return web.json_response({"received": True})


def add_live_routes(app: web.Application, live: LiveWeb) -> None:
    app[_LIVE] = live
    app.router.add_get("/join/{token}", _join)
    app.router.add_post("/join/{token}/presence", _presence)
    app.router.add_post("/join/{token}/mute", _mute)
    app.router.add_static("/static/", STATIC)
    app.router.add_post("/webhooks/agora", _agora_webhook)
