"""The join page (PUBLIC_BASE_URL/join/<token>): the session, and the video through Agora's Web SDK.

The page enters the channel with an RTC token made for this person and channel only; it reports the
join and, with a beacon, the leave, so attendance is kept even without Agora's webhook.
"""

import html
import json

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from core.usecases.live import JoinTicket
from l10n.formatting import fmt_datetime, fmt_time

AGORA_SDK = "https://download.agora.io/sdk/release/AgoraRTC_N-4.20.0.js"

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;background:#111;color:#eee}"
    "header{padding:12px 16px;background:#222}main{display:flex;flex-wrap:wrap;gap:8px;padding:8px}"
    ".tile{width:320px;height:240px;background:#000;border-radius:8px}p{margin:4px 0}"
    "button{margin:8px 16px;padding:8px 16px;font-size:16px}"
)


def _page(title: str, body: str, language: str) -> str:
    return (
        f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


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
    return _page(title, f"<header><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></header>", language)


def join_page(i18n: I18n, ticket: JoinTicket, language: str) -> str:
    zone = ticket.user.timezone or ticket.slot.timezone
    with i18n.use_locale(language), i18n.context():
        title = _("Session with {tutor}").format(tutor=ticket.tutor.display_name)
        when = (
            f"{fmt_datetime(ticket.slot.starts_at, zone, language)} – {fmt_time(ticket.slot.ends_at, zone, language)}"
        )
        leave = _("Leave")
        failed = _("The video could not start. Check your camera and microphone permissions, then reload.")
    config = json.dumps(
        {"appId": ticket.app_id, "channel": ticket.channel, "token": ticket.token, "uid": ticket.uid, "failed": failed}
    )
    body = f"""<header><h1>{html.escape(title)}</h1><p>{html.escape(when)}</p></header>
<main id="videos"><div id="local" class="tile"></div></main>
<button id="leave">{html.escape(leave)}</button>
<script src="{AGORA_SDK}"></script>
<script>
const cfg = {config};
const presence = location.pathname.replace(/\\/$/, "") + "/presence";
const client = AgoraRTC.createClient({{mode: "rtc", codec: "vp8"}});
client.on("user-published", async (user, kind) => {{
  await client.subscribe(user, kind);
  if (kind === "video") {{
    const tile = document.createElement("div");
    tile.className = "tile"; tile.id = "u" + user.uid;
    document.getElementById("videos").append(tile);
    user.videoTrack.play(tile);
  }}
  if (kind === "audio") user.audioTrack.play();
}});
client.on("user-unpublished", (user, kind) => {{
  if (kind === "video") document.getElementById("u" + user.uid)?.remove();
}});
async function start() {{
  try {{
    await client.join(cfg.appId, cfg.channel, cfg.token, cfg.uid);
    const tracks = await AgoraRTC.createMicrophoneAndCameraTracks();
    tracks[1].play("local");
    await client.publish(tracks);
    fetch(presence, {{method: "POST", body: "joined"}});
  }} catch (error) {{
    document.body.insertAdjacentHTML("beforeend", "<p>" + cfg.failed + "</p>");
  }}
}}
function leave() {{ navigator.sendBeacon(presence, "left"); }}
window.addEventListener("pagehide", leave);
document.getElementById("leave").onclick = async () => {{ leave(); await client.leave(); }};
start();
</script>"""
    return _page(title, body, language)
