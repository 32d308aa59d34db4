from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from testkit import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token="123456:TEST-token", bot_username="tutor_test_bot") as server:
        yield server
