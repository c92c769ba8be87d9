"""Replicas behind one webhook, as a deployment runs them: Telegram, a round-robin reverse proxy, `main.py run` × N.

`WebhookBotApi` is the fake Bot API acting as Telegram's webhook side: it POSTs each update (with the secret the bot
set through setWebhook) and redelivers it while the answer is not 200, a bounded number of times. `RoundRobinProxy`
sends each POST to the next replica in turn; a replica that refuses the connection is skipped (the request never
reached it, so nginx's proxy_next_upstream tries the next one), one that dies with the request in hand gives a 502
(a POST is not retried by the proxy: Telegram redelivers it). `replica` starts one `main.py run` in webhook mode.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from aiohttp import ClientConnectionError, ClientConnectorError, ClientSession, ClientTimeout, web

from tests.fake_bot_api import FakeBotApi

MAIN = Path(__file__).resolve().parents[1] / "main.py"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ATTEMPTS = 60  # deliveries of one update before Telegram (here: the test) gives up
REDELIVER_AFTER = 0.1  # seconds between two deliveries of an update not answered 200
UPSTREAM_TIMEOUT = ClientTimeout(total=20)
START_TIMEOUT = 60.0


class WebhookBotApi(FakeBotApi):
    """The fake Bot API pushing updates to the webhook as Telegram does, keeping every delivery attempt's outcome."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.attempts: Counter[int | str] = Counter()  # HTTP status, or "error", of every POST
        self.delivered: dict[int, dict] = {}  # update_id → the update, once answered 200
        self._session: ClientSession | None = None

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        await super().stop()

    async def _deliver_webhook(self, update: dict, attempts: int = ATTEMPTS) -> None:
        """POST until answered 200, at most `attempts` times, REDELIVER_AFTER apart; then give up loudly."""
        if self._session is None:
            self._session = ClientSession(timeout=ClientTimeout(total=30))
        headers = {SECRET_HEADER: self.webhook.get("secret_token") or ""}
        for _ in range(attempts):
            try:
                async with self._session.post(self.webhook["url"], json=update, headers=headers) as response:
                    self.attempts[response.status] += 1
                    if response.status == 200:
                        self.delivered[update["update_id"]] = update
                        return
            except (ClientConnectionError, TimeoutError):  # no answer at all: Telegram tries again too
                self.attempts["error"] += 1
            await asyncio.sleep(REDELIVER_AFTER)
        raise RuntimeError(f"the webhook never took update {update['update_id']}: {dict(self.attempts)}")

    async def redeliver(self, update_id: int) -> None:
        """The same update once more, as Telegram sends it again when it did not see the 200 of the first."""
        await self._deliver_webhook(self.delivered[update_id])
        await self.notify()

    def redelivered(self) -> int:
        """POSTs that were not answered 200 (each was delivered again)."""
        return sum(count for status, count in self.attempts.items() if status != 200)


@dataclass
class Served:
    """One POST the proxy forwarded: the update, the replica's port, and its status (502: it died meanwhile)."""

    update_id: int
    port: int
    status: int


class RoundRobinProxy:
    """A reverse proxy on 127.0.0.1: each POST of `path` goes to the next upstream port in turn."""

    def __init__(self, path: str, upstreams: list[int]) -> None:
        self.path = path
        self.upstreams = upstreams
        self.served: list[Served] = []
        self.refused: Counter[int] = Counter()  # connections an upstream refused (not listening: dead or not up)
        self._turn = 0
        self._session: ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The public webhook address (BOT_WEBHOOK_URL of every replica)."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def start(self) -> Self:
        self._session = ClientSession(timeout=UPSTREAM_TIMEOUT)
        app = web.Application()
        app.router.add_post(self.path, self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def ports_of(self, update_id: int) -> list[int]:
        """The replicas that answered this update 200, in order."""
        return [s.port for s in self.served if s.update_id == update_id and s.status == 200]

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        update_id = _update_id(body)
        headers = {name: request.headers[name] for name in ("Content-Type", SECRET_HEADER) if name in request.headers}
        first, self._turn = self._turn, self._turn + 1
        for step in range(len(self.upstreams)):  # from this request's turn on, each upstream at most once
            port = self.upstreams[(first + step) % len(self.upstreams)]
            try:
                async with self._session.post(f"http://127.0.0.1:{port}{self.path}", data=body,
                                              headers=headers) as response:
                    answer = await response.read()
                    self.served.append(Served(update_id, port, response.status))
                    return web.Response(status=response.status, body=answer)
            except ClientConnectorError:  # refused: it never saw the request, the next upstream may take it
                self.refused[port] += 1
            except (ClientConnectionError, TimeoutError):  # it had the request and died: Telegram must redeliver
                self.served.append(Served(update_id, port, 502))
                return web.Response(status=502, text="Bad Gateway")
        return web.Response(status=502, text="Bad Gateway: no upstream")


def _update_id(body: bytes) -> int:
    """The update a POST carries (-1 for a body that is none): the proxy's record names it."""
    try:
        return int(json.loads(body)["update_id"])
    except (ValueError, KeyError, TypeError):
        return -1


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free on 127.0.0.1 (all probes held open at once, so none is handed out twice)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


@asynccontextmanager
async def replica(api: FakeBotApi, port: int, log: Path,
                  env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """`main.py run` in webhook mode on `port`, yielded once it listens; SIGTERM at the end unless it was killed."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}  # no stray settings
    environment = {**inherited, "BOT_TOKEN": api.token, "BOT_API_URL": api.api_url, "BOT_WEBHOOK_LISTEN": "127.0.0.1",
                   "BOT_WEBHOOK_PORT": str(port), "PYTHONUNBUFFERED": "1", **env}
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(sys.executable, str(MAIN), "run", cwd=log.parent,
                                                       env=environment, stdout=output, stderr=asyncio.subprocess.STDOUT)
        try:
            await _listening(process, port, log)
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _listening(process: asyncio.subprocess.Process, port: int, log: Path) -> None:
    """Until the replica accepts connections on `port` (it set the webhook just before); bounded by START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise AssertionError(f"replica on {port} exited {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError(f"replica on {port} not listening after {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


async def kill(process: asyncio.subprocess.Process) -> None:
    """SIGKILL, and reap it: a zombie would still look alive to a survivor asking whether its pid exists."""
    process.send_signal(signal.SIGKILL)
    assert await asyncio.wait_for(process.wait(), 30) == -signal.SIGKILL
