"""The join page (PUBLIC_BASE_URL/join/<token>): the video room in the reader's language and zone, and
the page that says what to do when a link does not open it.

The room itself is `web/static/room.js` on Agora's Web SDK: it enters the channel with an RTC token made
for this person and channel only, reports the join, a heartbeat and the leave, and reads who is here
(and whether the tutor muted the reader) from those answers.
"""

import json
from dataclasses import dataclass
from typing import Any

import jinja2
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from core.enums import SessionType
from core.rules import BusinessRules
from core.usecases.live import JoinTicket
from core.video import TUTOR_UID
from l10n.formatting import fmt_datetime, fmt_time

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("web", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
)


@dataclass(frozen=True, slots=True)
class VideoSdk:
    """Where the page loads Agora's Web SDK from, and the hash the browser checks it against."""

    url: str
    integrity: str


def _refusal(code: str, status: str | None) -> tuple[str, str]:
    """The title and the what-to-do line for a link that does not open the video."""
    fresh = _("Open the bot and press 🎥 Join in /mybookings (tutors: /sessions) for a fresh link.")
    if code == "join.not_live" and status == "scheduled":
        return _("This session has not started yet"), _(
            "When your tutor starts it, the bot sends you a button to join; 🎥 Join in /mybookings works too."
        )
    if code == "join.not_live":
        return _("This session is over"), _(
            "It has ended or was cancelled. /mybookings in the bot shows your bookings."
        )
    if code == "join.expired":
        return _("This link has expired"), fresh
    if code == "join.not_participant":
        return _("You are not booked in this session"), _(
            "Only the tutor and the students booked in it can join. /book in the bot finds a session."
        )
    if code == "video.unavailable":
        return _("The video room is not available"), _(
            "Video is not set up for this school yet. Please tell your tutor."
        )
    return _("This link cannot be used"), fresh


def refused_page(i18n: I18n, language: str, code: str = "join.invalid", status: str | None = None) -> str:
    with i18n.use_locale(language), i18n.context():
        title, text = _refusal(code, status)
    return _TEMPLATES.get_template("refused.html").render(language=language, title=title, text=text)


def room_error_text(code: str) -> str:
    """What the page shows when the backend refuses one of its calls (the current locale)."""
    if code == "room.tutor_only":
        return _("Only the tutor can mute someone.")
    if code == "room.no_such_student":
        return _("This person is no longer in the session.")
    if code == "live.not_running":
        return _("This session is not live.")
    return _("That did not work. Please try again.")


def _texts() -> dict[str, str]:
    """The page's words, in the current locale; `{name}`, `{tutor}` and `{time}` are filled in by the page."""
    return {
        "tutor": _("Tutor"),
        "you": _("You"),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "camera_off": _("Stop video"),
        "camera_on": _("Start video"),
        "share": _("Share screen"),
        "stop_share": _("Stop sharing"),
        "people": _("People"),
        "devices": _("Devices"),
        "leave": _("Leave"),
        "rejoin": _("Rejoin"),
        "retry": _("Retry"),
        "close": _("Close"),
        "camera": _("Camera"),
        "microphone": _("Microphone"),
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "no_video": _("No video"),
        "reconnecting": _("Reconnecting…"),
        "rejoining": _("Connection lost. Rejoining…"),
        "left": _("You left the session."),
        "over": _("The session is over. You can close this page."),
        "ends_in": _("Ends in {time}"),
        "time_up": _("Time is up"),
        "here": _("in the video"),
        "not_here": _("not here"),
        "waiting_for": _("Waiting for {tutor} to join…"),
        "waiting_others": _("Nobody else is here yet."),
        "mute_person": _("Mute {name}"),
        "muted_person": _("{name} is muted."),
        "muted_by_tutor": _("{tutor} muted your microphone. Unmute when you want to speak."),
        "sdk_missing": _(
            "The video could not load. Check your connection (or ask the school whether video is blocked "
            "on this network), then retry."
        ),
        "denied": _(
            "Your camera and microphone are blocked. Allow them for this site in your browser's settings, "
            "then retry. You can still see and hear the others."
        ),
        "no_devices": _("No camera or microphone was found. You can still see and hear the others."),
        "join_failed": _("The video could not start. Retry in a moment."),
        "share_failed": _("Screen sharing did not start."),
        "sound_blocked": _("Your browser is holding back the others' sound."),
        "sound_on": _("Turn the sound on"),
        "mute_failed": _("Could not mute: {reason}"),
        "guest": _("Someone"),
    }


def join_page(i18n: I18n, ticket: JoinTicket, language: str, sdk: VideoSdk, rules: BusinessRules) -> str:
    zone = ticket.user.timezone or ticket.slot.timezone
    one_to_one = ticket.slot.session_type is SessionType.ONE_TO_ONE
    with i18n.use_locale(language), i18n.context():
        title = _("Session with {tutor}").format(tutor=ticket.tutor.display_name)
        when = (
            f"{fmt_datetime(ticket.slot.starts_at, zone, language)} – {fmt_time(ticket.slot.ends_at, zone, language)}"
        )
        texts = _texts()
        loading = _("Loading the video…")
    config: dict[str, Any] = {
        "appId": ticket.app_id,
        "channel": ticket.channel,
        "token": ticket.token,
        "uid": ticket.uid,
        "role": "tutor" if ticket.is_tutor else "student",
        "tutorName": ticket.tutor.display_name,
        "tutorUid": TUTOR_UID,
        "oneToOne": one_to_one,
        "canShare": ticket.may_share_screen,
        "endsAt": ticket.slot.ends_at.isoformat(),
        "heartbeatSeconds": rules.heartbeat_seconds,
        "sdkUrl": sdk.url,
        "sdkIntegrity": sdk.integrity,
        "texts": texts,
    }
    # "</" cannot end the script element early when written as "<\/"; JSON reads both the same.
    config_json = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    return _TEMPLATES.get_template("room.html").render(
        language=language,
        title=title,
        when=when,
        texts=texts,
        loading=loading,
        layout="one-to-one" if one_to_one else "group",
        can_share=ticket.may_share_screen,
        config_json=config_json,
    )
