"""The live session end to end: the tutor starts it, people join through their own links (video tokens
checked against Agora's format), presence is recorded from the page and from Agora's webhook, the tutor
ends it; and a tutor who never starts is a no-show whose students are refunded."""

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta

import aiohttp

from app.settings import AGORA_SDK_INTEGRITY, AGORA_SDK_URL
from app.wiring import TutorBot
from bot.callbacks import LiveSession
from core.enums import AttendanceSource, ParticipantStatus, PaymentStatus, Role, SessionStatus, SessionType
from core.join_links import JoinClaim
from core.video import channel_name, participant_uid
from integrations.agora import decode_rtc_token, verify_rtc_token
from testkit import FakeTelegram
from tests.e2e.conftest import AGORA_SECRET, APP_ID, CERTIFICATE
from tests.e2e.helpers import forge_press
from tests.e2e.shop import Shop, booking_state, enrol, person, tutor_with_slot

START = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)  # Monday 16:00 in Paris


async def attendance(app: TutorBot, session_id: int) -> list[tuple[int, bool, AttendanceSource]]:
    async with app.components.services.uow_factory() as uow:
        rows = await uow.attendance.list_for_session(session_id)
    return [(a.user_id, a.left_at is None, a.source) for a in rows]


def agora_notice(channel: str, uid: int, event_type: int, seq: int, at: datetime) -> tuple[bytes, str]:
    body = json.dumps(
        {
            "noticeId": f"n-{seq}",
            "productId": 1,
            "eventType": event_type,
            "notifyMs": int(at.timestamp() * 1000),
            "payload": {
                "channelName": channel,
                "uid": uid,
                "ts": int(at.timestamp()),
                "platform": 1,
                "reason": 1,
                "clientSeq": seq,
            },
        }
    ).encode()
    return body, hmac.new(AGORA_SECRET.encode(), body, hashlib.sha256).hexdigest()


async def test_a_live_group_session_from_start_to_end(live: Shop, telegram: FakeTelegram) -> None:
    app, clock = live.app, live.clock
    slot = await tutor_with_slot(
        app, 9001, "Grace Hopper", rate=0, session_type=SessionType.GROUP, capacity=3, subject="COBOL"
    )
    grace = telegram.user(9001, "Grace")
    ids = {}
    for index, name in enumerate(("Ann", "Bob", "Cy")):
        await person(app, 9010 + index, name, "Europe/Paris", Role.STUDENT)
        ids[name] = await enrol(app, 9010 + index, slot.id)
    ann, bob = telegram.user(9010, "Ann"), telegram.user(9011, "Bob")
    async with app.components.services.uow_factory() as uow:
        session = await uow.sessions.get_by_slot(slot.id)
    assert session is not None

    # Too early: the Start button is not there, and a forged one is refused.
    clock.current = START - timedelta(minutes=15)
    await grace.send("/sessions")
    listing = await grace.wait_for("Your upcoming sessions")
    assert not any(label.startswith("▶️ Start") for label in listing.button_labels)
    early = await forge_press(telegram, grace, LiveSession(session_id=session.id, action="start").pack())
    assert early.text == "It is too early: you can start the session from Mon 23 Mar 2026, 15:50 (Paris, UTC+1)."
    # Ten minutes before, it can start; a student cannot start it.
    clock.current = START - timedelta(minutes=5)
    refused = await forge_press(telegram, ann, LiveSession(session_id=session.id, action="start").pack())
    assert refused.text == "This session does not exist."
    await grace.send("/sessions")
    await grace.wait_for("Your upcoming sessions", new_only=True)
    await grace.press("▶️ Start Mon 23 Mar 2026, 16:00 (Paris, UTC+1)")
    view = await grace.wait_for("🎥 Live: Mon 23 Mar 2026, 16:00")
    assert "Ann: not here yet" in view.text and "Grace: not here yet" in view.text
    started = await ann.wait_for("Grace Hopper started your session")
    join_url = started.button("🎥 Join")["url"]
    assert join_url.startswith(app.settings.base_url + "/join/")

    async with aiohttp.ClientSession() as client:
        # The page carries a video token bound to Ann's uid and this session's channel.
        async with client.get(join_url) as page:
            assert page.status == 200
            text = await page.text()
        token = re.search(r'"token": "([^"]+)"', text).group(1)  # type: ignore[union-attr]
        config = json.loads(re.search(r'id="room-config" type="application/json">(.*?)</script>', text).group(1))  # type: ignore[union-attr]
        # The pinned SDK with its integrity hash; the page's words in the reader's language.
        assert (config["sdkUrl"], config["sdkIntegrity"]) == (AGORA_SDK_URL, AGORA_SDK_INTEGRITY)
        assert config["role"] == "student" and not config["canShare"] and config["texts"]["leave"] == "Leave"
        assert f'"uid": {participant_uid(ids["Ann"])}' in text and f'"channel": "{channel_name(session.id)}"' in text
        decoded = decode_rtc_token(token)
        assert decoded.app_id == APP_ID
        assert set(decoded.privileges.values()) == {int((START + timedelta(minutes=75)).timestamp())}
        assert verify_rtc_token(token, CERTIFICATE, channel_name(session.id), participant_uid(ids["Ann"]))
        assert not verify_rtc_token(token, CERTIFICATE, channel_name(session.id), participant_uid(ids["Bob"]))
        # Joining, leaving after a network failure, and coming back with the same link.
        async with client.post(join_url + "/presence", data="joined") as response:
            assert response.status == 200
            room = await response.json()
        # The join is answered with the room: who is booked, and who is in.
        assert room["status"] == "in_progress" and room["me"] == participant_uid(ids["Ann"]) and room["mutes"] == 0
        assert [(p["name"], p["role"], p["here"]) for p in room["people"]] == [
            ("Grace Hopper", "tutor", False),
            ("Ann", "student", True),
            ("Bob", "student", False),
            ("Cy", "student", False),
        ]
        async with client.post(join_url + "/presence", data="left") as response:
            assert response.status == 204
        async with client.post(join_url + "/presence", data="x" * 4096) as response:
            assert response.status == 400
        clock.advance(minutes=2)
        async with client.get(join_url) as again:
            assert again.status == 200
        async with client.post(join_url + "/presence", data="joined") as response:
            assert response.status == 200
        # Ann's page cannot mute anyone: the backend, not the page, decides who may.
        bob_uid = participant_uid(ids["Bob"])
        async with client.post(join_url + "/mute", json={"uid": bob_uid}) as response:
            assert response.status == 403
            assert (await response.json())["message"] == "Only the tutor can mute someone."
        for garbage in ("{", '{"uid": "1"}', '{"uid": true}', "[]", '{"uid": 99999999999}', "x" * 5000):
            async with client.post(join_url + "/mute", data=garbage) as response:
                assert response.status == 400
                assert await response.json() == {
                    "error": "request.invalid",
                    "message": "That did not work. Please try again.",
                }
        # Forged and other people's links.
        async with client.get(join_url[:-3] + "xyz") as forged:
            assert forged.status == 403
        signer = app.components.services.join_links.signer
        stranger = signer.token(JoinClaim(session.id, 424242, START + timedelta(hours=2)))
        async with client.get(f"{app.settings.base_url}/join/{stranger}") as other:
            assert other.status == 403
        # Bob's presence comes from Agora's webhook instead; a bad signature changes nothing.
        body, signature = agora_notice(channel_name(session.id), participant_uid(ids["Bob"]), 105, 1, clock.now())
        async with client.post(
            f"{app.settings.base_url}/webhooks/agora", data=body, headers={"Agora-Signature-V2": "00" * 32}
        ) as bad:
            assert bad.status == 401
        for _ in range(3):  # the same notice again is harmless
            async with client.post(
                f"{app.settings.base_url}/webhooks/agora", data=body, headers={"Agora-Signature-V2": signature}
            ) as good:
                assert good.status == 200
    assert await attendance(app, session.id) == [
        (9010, False, AttendanceSource.JOIN_PAGE),
        (9010, True, AttendanceSource.JOIN_PAGE),
        (9011, True, AttendanceSource.AGORA_WEBHOOK),
    ]
    await grace.press("🔄 Who is here")
    who = await grace.wait_for("Ann: in the video")
    assert "Bob: in the video" in who.text and "Cy: not here yet" in who.text

    # The tutor ends it: attendance is sealed, Cy (who never came) is a no-show, everyone gets a summary.
    clock.current = START + timedelta(minutes=58)
    await grace.press("⏹ End the session")
    await grace.wait_for("The session is over")
    summary = await ann.wait_for("is over. It lasted 63 minutes.")
    assert "Attended: Ann, Bob" in summary.text
    await bob.wait_for("Attended: Ann, Bob")
    assert all(not still_open for _user, still_open, _source in await attendance(app, session.id))
    async with app.components.services.uow_factory() as uow:
        ended = await uow.sessions.get(session.id)
        cy = await uow.participants.get(ids["Cy"])
    assert ended is not None and ended.status is SessionStatus.COMPLETED
    assert cy is not None and cy.status is ParticipantStatus.NO_SHOW
    # After the end and its grace time, the link is dead.
    clock.current = START + timedelta(minutes=80)
    async with aiohttp.ClientSession() as client, client.get(join_url) as expired:
        assert expired.status == 403


async def test_a_tutor_who_never_starts_is_a_no_show_and_students_are_refunded(
    live: Shop, telegram: FakeTelegram
) -> None:
    app, clock = live.app, live.clock
    slot = await tutor_with_slot(app, 9101, "Paul Dirac", rate=6000)
    await person(app, 9102, "Dora", "Europe/Paris", Role.STUDENT)
    dora = telegram.user(9102, "Dora")
    await enrol(app, 9102, slot.id)
    [session_id] = list(live.stripe.sessions)
    await live.stripe.pay(session_id)
    await dora.wait_for(lambda m: m.document is not None)
    jobs = app.components.jobs
    # Five minutes late: the students are told, once.
    clock.current = START + timedelta(minutes=5)
    await jobs["sessions"].run(app.components.job_context)
    await jobs["sessions"].run(app.components.job_context)
    late = await dora.wait_for("should have started")
    assert "If it has not started by 16:15, you will be refunded in full." in late.text
    await dora.expect_no_message(within=0.5)
    # Fifteen minutes late: a no-show, refunded in full.
    clock.current = START + timedelta(minutes=15)
    await jobs["sessions"].run(app.components.job_context)
    told = await dora.wait_for("Paul Dirac did not start your session")
    assert "€60.00 is on its way back to you" in told.text
    assert await booking_state(app, 9102) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
    assert len(live.stripe.refunds) == 1
    async with app.components.services.uow_factory() as uow:
        session = await uow.sessions.get_by_slot(slot.id)
    assert session is not None and session.status is SessionStatus.NO_SHOW
