"""The dashboard's JSON API under /api/: read the request, call the service as the verified user, answer JSON.

bot/web/server.py has already verified the init data (request["actor"]); admin rights are the services' to check,
so a non-admin meets the same PermissionDenied (403) wherever they knock. Bad ids and bodies are InputError (400).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.services.actors import Actor
from bot.services.dashboard import DashboardService
from bot.services.facade import BotService, StorageServices
from bot.services.reviews import ReviewService
from bot.web.views import board_json, decision_json, detail_json, grid_json, history_json, queue_json
from errors import InputError
from reporting.review_outcomes import Decision

MAX_ID = 2**63 - 1
REASON_BODY = '请求内容应为 JSON，例如 {"reason": "数值与台账不符，请核对后重报"}'
Notify = Callable[[Decision], Awaitable[bool]]
ACTOR = web.RequestKey("actor", Actor)  # set by bot/web/server.py once the init data is verified


def _number(request: web.Request, name: str, what: str) -> int:
    text = request.match_info.get(name, "")
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise InputError(f"{what}应为正整数，收到“{text[:40]}”。")
    return int(text)


def routes(service: Callable[[], BotService], notify: Notify) -> web.RouteTableDef:
    """The API's routes over the running bot's service; `notify` tells a liaison about a decision."""
    api = web.RouteTableDef()

    def storage() -> StorageServices:
        return service().storage_for("看板")

    def dashboard() -> DashboardService:
        return storage().dashboard

    def reviews() -> ReviewService:
        return storage().reviews

    def actor(request: web.Request) -> Actor:
        return request[ACTOR]

    @api.get("/api/indicators")
    async def indicators(request: web.Request) -> web.Response:
        return web.json_response(board_json(await dashboard().board(actor(request))))

    @api.get("/api/indicators/{number}")
    async def indicator(request: web.Request) -> web.Response:
        number = _number(request, "number", "指标编号")
        detail = await dashboard().indicator(actor(request), number)
        return web.json_response(detail_json(detail))

    @api.get("/api/indicators/{number}/units/{unit}")
    async def unit_history(request: web.Request) -> web.Response:
        number, unit = _number(request, "number", "指标编号"), _number(request, "unit", "单位编号")
        history = await dashboard().unit_history(actor(request), number, unit)
        return web.json_response(history_json(history))

    @api.get("/api/completeness")
    async def completeness(request: web.Request) -> web.Response:
        months = request.query.get("months", "6")
        if not months.isascii() or not months.isdigit():
            raise InputError(f"months 应为 1 到 24 的整数，收到“{months[:20]}”。", "/api/completeness?months=6")
        grid = await dashboard().completeness(actor(request), int(months))
        return web.json_response(grid_json(grid))

    @api.get("/api/pending")
    async def pending(request: web.Request) -> web.Response:
        return web.json_response(queue_json(await reviews().queue(actor(request))))

    @api.post("/api/pending/{id}/approve")
    async def approve(request: web.Request) -> web.Response:
        report_id = _number(request, "id", "数据编号")
        decision = await reviews().approve(actor(request), report_id)
        return web.json_response(decision_json(decision, await notify(decision)))

    @api.post("/api/pending/{id}/return")
    async def return_figure(request: web.Request) -> web.Response:
        report_id = _number(request, "id", "数据编号")
        reviews().require_admin(actor(request))  # before reading a stranger's body
        reason = await _reason(request)
        decision = await reviews().return_figure(actor(request), report_id, reason)
        return web.json_response(decision_json(decision, await notify(decision)))

    return api


async def _reason(request: web.Request) -> str:
    """The "reason" of a JSON object body."""
    try:
        body = json.loads(await request.text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(REASON_BODY) from None
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str):
        raise InputError(REASON_BODY)
    return reason
