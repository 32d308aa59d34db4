"""A round-robin HTTP load balancer for tests: what sits between Telegram's webhook and several bot
processes in a deployment. It forwards each request, headers and body, to the next backend in turn and
remembers which backend got which Telegram update."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Self

import aiohttp
from aiohttp import web

_HOP_BY_HOP = frozenset({"host", "content-length", "transfer-encoding", "connection"})


@dataclass(frozen=True)
class Forwarded:
    backend: int
    status: int
    update: dict[str, object] = field(hash=False)

    @property
    def from_user(self) -> int | None:
        for key, value in self.update.items():
            if key != "update_id" and isinstance(value, dict) and isinstance(value.get("from"), dict):
                user_id = value["from"].get("id")
                return int(user_id) if user_id is not None else None
        return None


class RoundRobinBalancer:
    def __init__(self, backends: list[str], host: str = "127.0.0.1") -> None:
        """`backends` are base URLs ("http://127.0.0.1:8081"); the request path is kept."""
        self.backends = backends
        self.host = host
        self.port = 0
        self.forwarded: list[Forwarded] = []
        self._turn = itertools.cycle(range(len(backends)))
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._client = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def backends_of(self, user_id: int) -> list[int]:
        """Which backend handled each of this person's updates, in order."""
        return [f.backend for f in self.forwarded if f.from_user == user_id]

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._client is not None
        backend = next(self._turn)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        url = self.backends[backend] + request.rel_url.path_qs
        async with self._client.request(request.method, url, data=body, headers=headers) as response:
            payload = await response.read()
            status = response.status
            content_type = response.content_type
        try:
            update = json.loads(body) if body else {}
        except ValueError:
            update = {}
        self.forwarded.append(Forwarded(backend=backend, status=status, update=update))
        return web.Response(body=payload, status=status, content_type=content_type)
