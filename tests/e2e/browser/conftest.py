"""The join page in a real browser: the application serves it, Debian's Chromium runs it (Playwright drives
it), and `fake_agora.js` answers at the configured SDK address in place of Agora's CDN build, which this
network cannot reach. Everything between the page and the backend is real HTTP.

Screenshots of the room land in `screenshots/` (git-ignored) for a person to look at."""

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from app.wiring import TutorBot
from core.enums import AttendanceEnd, Role, SessionType
from core.usecases.accounts import set_language
from core.video import TUTOR_UID, participant_uid
from testkit import BotMessage, FakeTelegram, FakeUser
from testkit.clock import FixedClock
from testkit.processes import free_port
from testkit.stripe import FakeStripe
from tests.e2e.conftest import AppFactory, live_settings
from tests.e2e.shop import enrol, person, tutor_with_slot

FAKE_SDK = (Path(__file__).with_name("fake_agora.js")).read_bytes()
SDK_URL = "https://sdk.agora.test/agora-rtc-sdk-ng@4.24.8/AgoraRTC_N-production.js"
START = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)  # Monday 16:00 in Paris
SCREENSHOTS = Path(__file__).parents[3] / "screenshots"
TUTOR_ID = 9501
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A camera and a microphone that always answer, and no permission prompt: the tests refuse devices
    # through the stand-in SDK instead.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def subresource_integrity(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def chromium_executable() -> str:
    """Debian's Chromium (`make test` installs it); TUTORBOT_CHROMIUM points elsewhere."""
    found = os.environ.get("TUTORBOT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("The browser tests need Chromium: `apt-get install chromium`, or set TUTORBOT_CHROMIUM.")
    return found


# A slow machine running the suite on two cores is not a failure of the page.
expect.set_options(timeout=10_000)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Room:
    """One person's join page, and the stand-in SDK inside it."""

    page: Page
    uid: int
    errors: list[str]
    sdk: dict[str, Any]  # what the SDK address answers now: {"status": int, "body": bytes}

    async def calls(self, method: str) -> list[Any]:
        found: list[Any] = await self.page.evaluate(
            "m => window.fakeAgora.calls.filter(c => c.method === m).map(c => c.args)", method
        )
        return found

    async def fake(self, script: str, *args: Any) -> Any:
        """Play the other side through the stand-in: `script` is a function of (fakeAgora, ...args)."""
        return await self.page.evaluate(f"([args]) => ({script})(window.fakeAgora, ...args)", [list(args)])

    async def published(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self.page.evaluate("window.fakeAgora.published()")
        return found

    def button(self, name: str) -> Any:
        return self.page.get_by_role("button", name=name, exact=True)

    async def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        await self.page.screenshot(path=SCREENSHOTS / f"{name}.png")


@dataclass
class Classroom:
    """A started session of Grace Hopper's (tutor id 9501) and its booked students, with everyone's link."""

    app: TutorBot
    clock: FixedClock
    session_id: int
    links: dict[int, str]
    uids: dict[int, int]
    tutor: FakeUser  # Grace in Telegram, her live view the last message
    stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    @property
    def uow_factory(self) -> Any:
        return self.app.components.services.uow_factory

    async def open(
        self,
        browser: Browser,
        user_id: int,
        *,
        viewport: dict[str, int] = DESKTOP,
        settings: dict[str, Any] | None = None,
        sdk_status: int = 200,
        sdk_body: bytes = FAKE_SDK,
        wait_for_join: bool = True,
    ) -> Room:
        """The person's join page in a browser of their own, its clock at the server's."""
        context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        context.set_default_timeout(10_000)
        self.stack.push_async_callback(context.close)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sdk: dict[str, Any] = {"status": sdk_status, "body": sdk_body}

        async def serve_sdk(route: Route) -> None:
            await route.fulfill(
                status=sdk["status"],
                body=sdk["body"] if sdk["status"] == 200 else b"not found",
                headers={"Content-Type": "text/javascript", "Access-Control-Allow-Origin": "*"},
            )

        await page.route(SDK_URL, serve_sdk)
        if settings:
            await page.add_init_script(f"window.fakeAgoraSettings = {json.dumps(settings)};")
        # The page's clock stands still at the server's time once loaded, and moves only when a test
        # moves it (`advance`): a countdown or a heartbeat never depends on how fast the machine is.
        await page.clock.install(time=self.clock.now() - timedelta(seconds=30))
        await page.goto(self.links[user_id])
        await page.clock.pause_at(self.clock.now())
        room = Room(page, self.uids[user_id], errors, sdk)
        if wait_for_join:
            await self.wait_for_presence(user_id)
        return room

    async def advance(self, *rooms: Room, seconds: int) -> None:
        """Time passes for the server and for these pages (their timers fire: heartbeats, the countdown)."""
        self.clock.advance(seconds=seconds)
        for room in rooms:
            await room.page.clock.run_for(seconds * 1000)

    async def who_is_here(self, expected: str) -> str:
        """Grace presses "🔄 Who is here" in Telegram until it shows `expected`; what it shows."""
        await self.tutor.press("🔄 Who is here")
        return (await self.tutor.wait_for(expected)).text

    async def end_session(self) -> None:
        """Grace presses "⏹ End the session" in Telegram."""
        await self.tutor.press("⏹ End the session")
        await self.tutor.wait_for("The session is over")

    async def attendance(self, user_id: int) -> list[tuple[datetime | None, datetime | None, AttendanceEnd | None]]:
        """The person's intervals: (last heartbeat, left at, closed by)."""
        async with self.uow_factory() as uow:
            rows = await uow.attendance.list_for_session(self.session_id)
        return [(a.last_seen_at, a.left_at, a.closed_by) for a in rows if a.user_id == user_id]

    async def wait_for_presence(self, user_id: int, *, open_intervals: int = 1, timeout: float = 10) -> None:
        """Until the backend has the person in the video (the page's join call arrived)."""
        await _until(lambda: self._open_intervals(user_id), open_intervals, timeout)

    async def wait_until_left(self, user_id: int, timeout: float = 10) -> None:
        await _until(lambda: self._open_intervals(user_id), 0, timeout)

    async def _open_intervals(self, user_id: int) -> int:
        return sum(1 for _seen, left, _by in await self.attendance(user_id) if left is None)


def _join_button(message: BotMessage) -> str | None:
    return next((b["url"] for row in message.inline_keyboard for b in row if "/join/" in b.get("url", "")), None)


async def _until(probe: Callable[[], Any], wanted: int, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (found := await probe()) != wanted:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"waited {timeout} s for {wanted}, still {found}")
        await asyncio.sleep(0.05)


# Who sits in the classrooms: (id, first name, zone, language).
ANN = (9510, "Ann", "Europe/Paris", "en")
BOB = (9511, "Bob", "America/New_York", "fr")
CY = (9512, "Cy", "Asia/Tokyo", "en")

ClassroomFactory = Callable[..., contextlib.AbstractAsyncContextManager[Classroom]]


@pytest.fixture
def classroom(app_factory: AppFactory, telegram: FakeTelegram) -> ClassroomFactory:
    """`async with classroom(SessionType.GROUP, [ANN, BOB]) as room:` the application with Agora and the
    stand-in SDK configured, Grace's session on Monday 23 March 16:00 Paris time started by her five
    minutes before, the server's clock one minute into it."""

    @contextlib.asynccontextmanager
    async def run(kind: SessionType, students: list[tuple[int, str, str, str]]) -> AsyncIterator[Classroom]:
        clock = FixedClock(START - timedelta(minutes=5))
        async with (
            FakeStripe(clock=lambda: clock.now().timestamp()) as stripe,
            app_factory(
                clock=clock,
                **live_settings(stripe, free_port()),
                AGORA_SDK_URL=SDK_URL,
                AGORA_SDK_INTEGRITY=subresource_integrity(FAKE_SDK),
            ) as app,
        ):
            services = app.components.services
            group = kind is SessionType.GROUP
            slot = await tutor_with_slot(
                app, TUTOR_ID, "Grace Hopper", rate=0, session_type=kind, capacity=3 if group else 1, subject="COBOL"
            )
            uids = {TUTOR_ID: TUTOR_UID}
            for user_id, name, zone, language in students:
                await person(app, user_id, name, zone, Role.STUDENT)
                if language != "en":
                    await set_language(services.uow_factory(), clock, user_id=user_id, language=language)
                uids[user_id] = participant_uid(await enrol(app, user_id, slot.id))
            async with services.uow_factory() as uow:
                session = await uow.sessions.get_by_slot(slot.id)
            assert session is not None
            # Grace starts it in Telegram; everyone's link is the one the bot sent them.
            grace = telegram.user(TUTOR_ID, "Grace")
            await grace.send("/sessions")
            await grace.wait_for("Your upcoming sessions")
            await grace.press("▶️ Start Mon 23 Mar 2026, 16:00 (Paris, UTC+1)")
            live = await grace.wait_for("🎥 Live: Mon 23 Mar 2026, 16:00")
            links = {TUTOR_ID: live.button("🎥 Join the video")["url"]}
            for user_id, *_ in students:
                started = await telegram.user(user_id).wait_for(lambda m: _join_button(m) is not None)
                links[user_id] = str(_join_button(started))
            clock.current = START + timedelta(minutes=1)
            room = Classroom(app, clock, session.id, links, uids, grace)
            async with room.stack:
                yield room

    return run
