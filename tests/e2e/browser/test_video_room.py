"""The video room as its users meet it in Chromium: entering with their own token, the controls, the
tutor's large tile, the tutor muting a student through the backend, presence kept by the page, the
network dropping, and the SDK or the devices failing with a message and a retry."""

import asyncio
import re
from datetime import datetime, timedelta

from playwright.async_api import Browser, expect

from core.enums import AttendanceEnd, SessionType
from core.video import TUTOR_UID, channel_name
from integrations.agora import verify_rtc_token
from tests.e2e.browser.conftest import ANN, BOB, CY, FAKE_SDK, PHONE, TUTOR_ID, Classroom, ClassroomFactory
from tests.e2e.conftest import APP_ID, CERTIFICATE


async def test_a_group_lesson_seen_from_a_student_and_the_tutor(browser: Browser, classroom: ClassroomFactory) -> None:
    async with classroom(SessionType.GROUP, [ANN, CY]) as room:
        ann = await room.open(browser, ANN[0])
        # Ann enters the session's channel with a token made for her uid only.
        [join] = await ann.calls("join")
        assert (join["appId"], join["channel"], join["uid"]) == (APP_ID, channel_name(room.session_id), ann.uid)
        assert verify_rtc_token(join["token"], CERTIFICATE, channel_name(room.session_id), ann.uid)
        page = ann.page
        await expect(page.locator("#network")).to_have_text("Connected")
        await expect(page.locator("h1")).to_have_text("Session with Grace Hopper")
        await expect(page.locator(".when")).to_have_text("Mon 23 Mar 2026, 16:00 (Paris, UTC+1) – 17:00")
        await expect(page.locator("#countdown")).to_have_text("Ends in 59:00")
        await expect(page.locator("#waiting")).to_have_text("Waiting for Grace Hopper to join…")
        # Her microphone and camera are published; a student of a group cannot share a screen.
        await expect(ann.button("Stop video")).to_be_enabled()
        assert await ann.published() == [
            {"kind": "audio", "screen": False, "muted": False, "enabled": True},
            {"kind": "video", "screen": False, "muted": False, "enabled": True},
        ]
        await expect(ann.button("Share screen")).to_have_count(0)

        # The tutor arrives: her tile is the large one, named and marked; Ann's own tile is small.
        await ann.fake("(agora, uid) => agora.remoteJoin(uid)", TUTOR_UID)
        tutor_tile = page.locator(f'#spotlight .tile[data-uid="{TUTOR_UID}"]')
        await expect(tutor_tile.locator(".name")).to_have_text("Grace HopperTutor")
        await expect(tutor_tile.locator("canvas")).to_have_count(1)
        await expect(page.locator(f'#strip .tile[data-uid="{ann.uid}"] .name')).to_have_text("You")
        large, small = await tutor_tile.bounding_box(), await page.locator("#strip .tile").bounding_box()
        assert large and small and large["width"] * large["height"] > 4 * small["width"] * small["height"]
        await expect(page.locator("#waiting")).to_be_hidden()

        # Microphone and camera off and on again.
        await ann.button("Mute").click()
        await expect(ann.button("Unmute")).to_have_attribute("aria-pressed", "true")
        await ann.button("Stop video").click()
        await expect(ann.button("Start video")).to_be_visible()
        assert [c["muted"] for c in await ann.calls("track.setMuted")] == [True]
        assert [c["enabled"] for c in await ann.calls("track.setEnabled")] == [False]
        await expect(page.locator(f'.tile[data-uid="{ann.uid}"] video')).to_have_count(0)
        await expect(page.locator(f'.tile[data-uid="{ann.uid}"] .avatar')).to_have_text("A")
        await ann.button("Unmute").click()
        await ann.button("Start video").click()
        await expect(page.locator(f'.tile[data-uid="{ann.uid}"] video')).to_have_count(1)
        # Another camera and microphone from the devices panel.
        await ann.button("Devices").click()
        await page.get_by_label("Camera").select_option(label="Back camera")
        await page.get_by_label("Microphone").select_option(label="Headset")
        devices = [(c["kind"], c["deviceId"]) for c in await ann.calls("track.setDevice")]
        assert devices == [("video", "cam-back"), ("audio", "mic-headset")]
        await ann.button("Close").first.click()

        # The tutor's page: she may share her screen, and sees Ann arrive.
        grace = await room.open(browser, TUTOR_ID)
        await grace.fake("(agora, uid) => agora.remoteJoin(uid)", ann.uid)
        # Teaching a group, she sees her students large and herself small.
        await expect(grace.page.locator(f'#spotlight .tile[data-uid="{ann.uid}"] .name')).to_have_text("Ann")
        await expect(grace.page.locator(f'#strip .tile[data-uid="{TUTOR_UID}"] .name')).to_have_text("YouTutor")
        await grace.button("Share screen").click()
        await expect(grace.button("Stop sharing")).to_have_attribute("aria-pressed", "true")
        assert [(t["kind"], t["screen"]) for t in await grace.published()] == [("audio", False), ("video", True)]
        # The browser's own "Stop sharing" bar ends it too: the camera comes back.
        await grace.fake("(agora) => agora.endScreenShare()")
        await expect(grace.button("Share screen")).to_be_visible()
        assert [(t["kind"], t["screen"]) for t in await grace.published()] == [("audio", False), ("video", False)]

        # The participants panel, from the backend: both in, Cy not yet.
        await grace.page.get_by_role("button", name=re.compile("^People")).click()
        people = grace.page.locator("#people li")
        await expect(people).to_have_count(3)
        await expect(people.nth(0)).to_contain_text("Grace Hopper (You) · Tutorin the video")
        await expect(people.nth(1)).to_contain_text("Annin the video")
        await expect(people.nth(2)).to_contain_text("Cynot here")
        # The tutor mutes Ann through the backend; Ann's page hears of it at its next heartbeat.
        await grace.button("Mute Ann").click()
        await expect(grace.page.locator("#notice-text")).to_have_text("Ann is muted.")
        await room.advance(ann, seconds=15)
        await expect(page.locator("#notice-text")).to_have_text(
            "Grace Hopper muted your microphone. Unmute when you want to speak."
        )
        await expect(ann.button("Unmute")).to_be_visible()
        assert [c["muted"] for c in await ann.calls("track.setMuted")][-1] is True
        # Ann may unmute herself: a mute is a request to be quiet, not a lock.
        await ann.button("Unmute").click()
        await expect(ann.button("Mute")).to_be_visible()

        # The tutor leaves the video: her tile goes, Ann waits for her again.
        await ann.fake("(agora, uid) => agora.remoteLeave(uid)", TUTOR_UID)
        await expect(page.locator(".tile")).to_have_count(1)
        await expect(page.locator("#waiting")).to_be_visible()
        await ann.screenshot("group-student-desktop-en")
        await grace.screenshot("group-tutor-desktop-en")
        assert ann.errors == [] and grace.errors == []


async def test_presence_follows_the_page_through_heartbeats_drops_leaving_and_the_end(
    browser: Browser, classroom: ClassroomFactory
) -> None:
    async with classroom(SessionType.GROUP, [ANN]) as room:
        ann = await room.open(browser, ANN[0])
        page = ann.page
        await expect(ann.button("Stop video")).to_be_enabled()
        joined_at = room.clock.now()
        # Every 15 s the page says it is still there; the backend keeps the time it last heard it.
        await room.advance(ann, seconds=15)
        await _until_seen(room, ANN[0], joined_at + timedelta(seconds=15))
        await room.advance(ann, seconds=15)
        await _until_seen(room, ANN[0], joined_at + timedelta(seconds=30))

        # A short drop: the SDK reconnects by itself and the page says so.
        await ann.fake("(agora) => agora.networkBlip()")
        await expect(page.locator("#network")).to_have_text("Reconnecting…")
        await ann.fake("(agora) => agora.networkBack()")
        await expect(page.locator("#network")).to_have_text("Connected")
        # A long one: the SDK gives up, the page enters again by itself, slower after each failure; she
        # had muted herself, and stays muted on the new microphone track.
        await ann.button("Mute").click()
        await ann.fake("(agora) => { agora.failJoins = 1; agora.networkLost(); }")
        await expect(page.locator("#network")).to_have_text("Connection lost. Rejoining…")
        await expect(ann.button("Unmute")).to_be_disabled()
        await page.clock.run_for(1000)
        await expect(page.locator("#problem-text")).to_have_text("The video could not start. Retry in a moment.")
        assert len(await ann.calls("join")) == 2
        await page.clock.run_for(1500)
        assert len(await ann.calls("join")) == 2  # the second wait is two seconds
        await page.clock.run_for(500)
        await expect(page.locator("#network")).to_have_text("Connected")
        await expect(page.locator("#problem")).to_be_hidden()
        assert len(await ann.calls("join")) == 3
        await expect(ann.button("Stop video")).to_be_enabled()
        assert [(t["kind"], t["muted"]) for t in await ann.published()] == [("audio", True), ("video", False)]
        await expect(ann.button("Unmute")).to_be_visible()
        await ann.button("Unmute").click()
        assert len(await room.attendance(ANN[0])) == 1  # the same interval: she was never seen to go

        await room.advance(ann, seconds=90)
        await _until_seen(room, ANN[0], joined_at + timedelta(seconds=120))
        assert "Ann: in the video (2 min so far)" in await room.who_is_here("Ann: in the video")
        # Leaving closes her interval at once (not at the heartbeat timeout); Rejoin opens a new one.
        await ann.button("Leave").click()
        await expect(page.locator("#waiting")).to_have_text("You left the session.")
        await room.wait_until_left(ANN[0])
        assert [by for _seen, _left, by in await room.attendance(ANN[0])] == [AttendanceEnd.JOIN_PAGE]
        assert "Ann: left after 2 min" in await room.who_is_here("Ann: left after 2 min")
        await ann.button("Rejoin").click()
        await room.wait_for_presence(ANN[0])
        await room.who_is_here("Ann: in the video")
        await expect(ann.button("Leave")).to_be_visible()
        # Closing the tab sends the leave as a beacon.
        await room.advance(ann, seconds=5)
        await page.close()
        await room.wait_until_left(ANN[0])
        assert [by for _seen, _left, by in await room.attendance(ANN[0])] == [AttendanceEnd.JOIN_PAGE] * 2

        # Back once more; the tutor ends the session in Telegram, and the page sees it at its next heartbeat.
        ann = await room.open(browser, ANN[0])
        await room.end_session()
        await room.advance(ann, seconds=15)
        await expect(ann.page.locator("#waiting")).to_have_text("The session is over. You can close this page.")
        await expect(ann.button("Leave")).to_be_disabled()
        assert all(left is not None for _seen, left, _by in await room.attendance(ANN[0]))
        assert ann.errors == []


async def _until_seen(room: Classroom, user_id: int, at: datetime) -> None:
    for _ in range(100):
        if [seen for seen, left, _by in await room.attendance(user_id) if left is None] == [at]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no heartbeat at {at}: {await room.attendance(user_id)}")


async def test_the_sdk_failing_to_load_or_being_tampered_with_is_said_and_retried(
    browser: Browser, classroom: ClassroomFactory
) -> None:
    async with classroom(SessionType.GROUP, [ANN]) as room:
        # The SDK's address answers 404 (blocked by the network, or the operator's copy is missing).
        ann = await room.open(browser, ANN[0], sdk_status=404, wait_for_join=False)
        page = ann.page
        await expect(page.locator("#problem-text")).to_contain_text("The video could not load.")
        await expect(page.locator("#network")).to_have_text("No video")
        assert await room.attendance(ANN[0]) == []
        ann.sdk.update(status=200)
        await ann.button("Retry").click()
        await room.wait_for_presence(ANN[0])
        await expect(page.locator("#problem")).to_be_hidden()
        await expect(page.locator("#network")).to_have_text("Connected")

        # A copy that does not match the pinned hash never runs.
        cy = await room.open(browser, TUTOR_ID, sdk_body=FAKE_SDK + b"\nwindow.stolen = 1;", wait_for_join=False)
        await expect(cy.page.locator("#problem-text")).to_contain_text("The video could not load.")
        assert await cy.page.evaluate("typeof window.AgoraRTC + typeof window.stolen") == "undefinedundefined"
        cy.sdk.update(body=FAKE_SDK)
        await cy.button("Retry").click()
        await room.wait_for_presence(TUTOR_ID)
        assert ann.errors == [] and cy.errors == []


async def test_a_refused_camera_and_microphone_are_explained_and_retried(
    browser: Browser, classroom: ClassroomFactory
) -> None:
    async with classroom(SessionType.GROUP, [ANN]) as room:
        ann = await room.open(browser, ANN[0], settings={"refuse": "PERMISSION_DENIED"})
        page = ann.page
        await expect(page.locator("#problem-text")).to_have_text(
            "Your camera and microphone are blocked. Allow them for this site in your browser's settings, "
            "then retry. You can still see and hear the others."
        )
        await expect(ann.button("Mute")).to_be_disabled()
        await expect(ann.button("Stop video")).to_be_disabled()
        assert await ann.published() == []
        # She is in the video all the same, and sees the tutor.
        await ann.fake("(agora, uid) => agora.remoteJoin(uid)", TUTOR_UID)
        await expect(page.locator(f'#spotlight .tile[data-uid="{TUTOR_UID}"] canvas')).to_have_count(1)
        # She allows them and retries: both are published.
        await ann.fake("(agora) => { agora.refuse = null; }")
        await ann.button("Retry").click()
        await expect(ann.button("Mute")).to_be_enabled()
        assert [t["kind"] for t in await ann.published()] == ["audio", "video"]
        assert ann.errors == []


async def test_a_one_to_one_on_a_phone_in_french_from_another_zone(
    browser: Browser, classroom: ClassroomFactory
) -> None:
    async with classroom(SessionType.ONE_TO_ONE, [BOB]) as room:
        bob = await room.open(browser, BOB[0], viewport=PHONE)
        page = bob.page
        await expect(page.locator("h1")).to_have_text("Séance avec Grace Hopper")
        await expect(page.locator(".when")).to_have_text("lun. 23 mars 2026, 11:00 (New York, UTC-4) – 12:00")
        await expect(page.locator("#countdown")).to_have_text("Fin dans 59:00")
        await expect(page.locator("#network")).to_have_text("Connecté")
        await bob.fake("(agora, uid) => agora.remoteJoin(uid)", TUTOR_UID)
        await expect(page.locator(f'#spotlight .tile[data-uid="{TUTOR_UID}"] .name')).to_have_text("Grace HopperTuteur")
        # One-handed on 360 px: nothing wider than the screen, every control in the lower half, none too
        # small to tap.
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        controls = page.locator(".controls button")
        await expect(controls).to_have_count(6)  # a student of a 1-to-1 may share a screen too
        for index in range(6):
            box = await controls.nth(index).bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            assert box["y"] > PHONE["height"] / 2 and box["y"] + box["height"] <= PHONE["height"]
            assert box["height"] >= 44 and box["width"] >= 44
        await bob.button("Partager l'écran").click()
        await expect(bob.button("Arrêter le partage")).to_be_visible()
        assert [(t["kind"], t["screen"]) for t in await bob.published()] == [("audio", False), ("video", True)]
        await bob.button("Arrêter le partage").click()
        await bob.page.get_by_role("button", name=re.compile("^Participants")).click()
        await expect(page.locator("#people li").nth(1)).to_contain_text("Bob (Vous)dans la vidéo")
        # The panel stops above the controls: she can still mute herself with it open.
        sheet, bar = await page.locator("#people-panel").bounding_box(), await page.locator(".controls").bounding_box()
        assert sheet and bar and sheet["y"] + sheet["height"] <= bar["y"] + 1
        await bob.screenshot("one-to-one-student-phone-fr")
        await bob.button("Fermer").click()
        await page.set_viewport_size({"width": 1280, "height": 800})
        await bob.screenshot("one-to-one-student-desktop-fr")
        # The tutor, on her phone in English, sees Bob large.
        grace = await room.open(browser, TUTOR_ID, viewport=PHONE)
        await grace.fake("(agora, uid) => agora.remoteJoin(uid)", bob.uid)
        await expect(grace.page.locator(f'#spotlight .tile[data-uid="{bob.uid}"] .name')).to_have_text("Bob")
        assert await grace.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        await grace.screenshot("one-to-one-tutor-phone-en")
        assert bob.errors == [] and grace.errors == []
