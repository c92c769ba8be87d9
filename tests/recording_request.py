"""A BaseRequest that never touches the network: it records each call and answers from FakeBotApi's state.

The way PTB's own suite fakes the network, with the fake server's checks (HTML, button data, lengths) kept.
"""

from __future__ import annotations

import json
from typing import IO, Any

from telegram.request import BaseRequest, RequestData

from tests.fake_bot_api import FakeBotApi, decode_params


class RecordingRequest(BaseRequest):
    """Answers Bot API calls in memory; `api` holds what was sent, `endpoints` the order of calls."""

    def __init__(self, api: FakeBotApi | None = None) -> None:
        self.api = api or FakeBotApi()
        self.endpoints: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        self.endpoints.append(endpoint)
        params = decode_params(request_data.json_parameters) if request_data else {}
        files = {}
        if request_data and request_data.multipart_data:
            files = {name: (part[0], _content(part[1])) for name, part in request_data.multipart_data.items()}
        status, body = await self.api.call(endpoint, params, files)
        return status, json.dumps(body).encode()


def _content(part: bytes | IO[bytes]) -> bytes:
    """A part given as an open file (an export sent from disk) is read as the HTTP client would, from the start."""
    if isinstance(part, bytes):
        return part
    part.seek(0)
    return part.read()
