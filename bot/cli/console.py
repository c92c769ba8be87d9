"""The terminal chat: same facade as Telegram, acting as a local admin who is also a local unit's liaison."""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from bot.services.actors import Actor, MessageRef
from bot.services.facade import BotService
from bot.settings import Settings
from bot.services.storage_errors import STORAGE_DOWN
from errors import StorageUnavailable, UserFacingError
from knowledge.answers import Answer, ChatContext
from knowledge.render import render_text
from reporting.outcomes import PendingConfirmation
from reporting.render import REPORT_OUTCOMES, render_report_text
from storage.db import cannot_write_now

CONSOLE_USER_ID = 0
SUGGESTED_WORDS = ("建议", "suggested")  # /confirm 建议: store the suggested value, not the one written
RETRY_LOCAL_S = 30.0  # a locked database: try again to make the local user a liaison at most this often
SANDBOX = "终端模式使用独立的试用数据库 {console}（BOT_CONSOLE_DB），不会读写 Telegram 机器人的数据库 {db}（BOT_DB）。"
WELCOME = ("济南市提升产业工人创新力 政策助手（终端模式，本地管理员兼“本地单位”联络员）。\n"
           "直接输入问题，例如：谁负责产教融合?  报送数据，例如：济南工匠 12 2026年10月。/help 查看命令，/quit 退出。")
HELP = """可用命令：
  直接输入问题            例如：谁负责产教融合?
  直接输入数据            例如：济南工匠 12 2026年10月；市人社局 技能人才 136.5万
  /report 数据            同上，明确表示报送
  /undo                   撤销上一条报送
  /confirm  /cancel       确认（/confirm 建议：按建议值）或取消可能有误的数值
  /progress [指标]        查看进度，例如：/progress 济南工匠
  /mine                   本单位情况
  /invite 单位 指标…      邀请联络员，例如：/invite 市总工会 15,16
  /join 邀请码            使用邀请码
  /liaisons               联络员和未使用的邀请
  /revoke 对象            撤销联络员（用户ID、@用户名、单位名）或邀请码
  /weekly [2026-W47]      周报（图表保存为 PNG 文件）
  /export [csv]           导出 XLSX（或 CSV 压缩包）到数据库所在目录
  /remind                 列出尚未报齐的联络员及提醒内容
  /quit                   退出"""


def render_console(outcome: object) -> str:
    """Plain text for whatever the service returned."""
    if isinstance(outcome, Answer):
        return render_text(outcome)
    if isinstance(outcome, REPORT_OUTCOMES):
        return render_report_text(outcome)
    return str(outcome)


class ConsoleSession:
    """One local user's conversation: the follow-up context and the last figure awaiting confirmation."""

    def __init__(self, service: BotService, actor: Actor) -> None:
        self.service = service
        self.actor = actor
        self.context: ChatContext | None = None
        self.pending: str | None = None
        self._message_id = int(service.clock().timestamp() * 1000)  # unique across restarts of the console
        self._local_tried: float | None = None  # when the local liaison was last attempted; None once it exists
        self._local_ready = False

    def _next_message(self) -> MessageRef:
        self._message_id += 1
        return MessageRef(chat_id=self.actor.chat_id, message_id=self._message_id)

    async def command(self, name: str, args: str) -> object:
        reports = self.service.reports
        actions = {
            "/invite": lambda: reports.liaisons.create_invite(self.actor, args),
            "/join": lambda: reports.liaisons.join(self.actor, args),
            "/undo": lambda: reports.undo.last(self.actor),
            "/progress": lambda: reports.progress.view(self.actor, args or None),
            "/mine": lambda: reports.progress.mine(self.actor),
            "/liaisons": lambda: reports.liaisons.list_liaisons(self.actor),
            "/revoke": lambda: reports.liaisons.revoke(self.actor, args),
            "/report": lambda: reports.intake.submit_text(self.actor, args, self._next_message()),
            "/confirm": lambda: reports.intake.confirm(self.actor, self.pending or "", args.strip() in SUGGESTED_WORDS),
            "/cancel": lambda: reports.intake.cancel(self.actor, self.pending or ""),
            "/weekly": lambda: self._weekly(args),
            "/export": lambda: self._export(args),
            "/remind": self._remind,
        }
        if name not in actions:
            return f"没有这个命令：{name}\n{HELP}"
        outcome = await actions[name]()
        if name in ("/confirm", "/cancel"):
            self.pending = None
        return outcome

    def _save(self, name: str, data: bytes) -> Path:
        """Files the console cannot send are written beside the database."""
        target = Path(self.service.settings.db).parent / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    async def _weekly(self, week: str) -> str:
        report = await self.service.summaries.weekly(self.actor, week or None)
        chart = self._save(report.chart.name, report.chart.data)
        return f"{report.text}\n（图表已保存到 {chart}）"

    async def _export(self, kind: str) -> str:
        exported = await self.service.summaries.export(self.actor, kind or None)
        with exported:  # written beside the database, so saving it is a rename
            target = exported.save_as(Path(self.service.settings.db).parent / exported.name)
        return f"{exported.caption}\n已保存到 {target}"

    async def _remind(self) -> str:
        plan = await self.service.summaries.remind_now(self.actor, force=True)  # listed, not sent
        if not plan.reminders:
            return f"{plan.period}：所有联络员都已报送，无需提醒。"
        lines = [f"{plan.period} 尚未报齐的联络员（终端模式不发送消息，以下为提醒内容）："]
        lines += [f"· {r.liaison}（{r.unit}）缺 {len(r.missing)} 项：{r.text}" for r in plan.reminders]
        return "\n".join(lines)

    async def ensure_local(self) -> None:
        """Make the local user the local unit's liaison; a locked database postpones it, never ends the console."""
        recently = self._local_tried is not None and time.monotonic() - self._local_tried < RETRY_LOCAL_S
        if self._local_ready or recently:
            return
        self._local_tried = time.monotonic()
        try:
            await self.service.reports.liaisons.ensure_local_liaison(self.actor)
        except StorageUnavailable:
            return
        self._local_ready = True

    async def line(self, text: str) -> str:
        """The reply to one input line; a locked database is answered as Telegram answers it."""
        try:
            await self.ensure_local()
            if text in ("/help", "/start", "帮助"):
                return HELP
            if text.startswith("/"):
                name, _, args = text.partition(" ")
                outcome = await self.command(name, args.strip())
            else:
                outcome = await self.service.handle_text(self.actor, text, self.context, self._next_message())
        except UserFacingError as exc:
            return exc.reply
        except StorageUnavailable:
            return STORAGE_DOWN
        except sqlite3.OperationalError as exc:  # a read while another program holds an exclusive lock
            if not cannot_write_now(exc):
                raise
            return STORAGE_DOWN
        if isinstance(outcome, Answer):
            self.context = outcome.context
        if isinstance(outcome, PendingConfirmation):
            self.pending = outcome.token
        return render_console(outcome)


async def run_console(settings: Settings) -> int:
    """Read lines until EOF or /quit; answer each; keep the follow-up context between lines.

    The console works on its own database (BOT_CONSOLE_DB), so its local unit never reaches the Telegram bot's.
    """
    interactive = sys.stdin.isatty()
    service = await BotService.open(settings.model_copy(update={"db": settings.console_db}))
    print(SANDBOX.format(console=settings.console_db, db=settings.db), file=sys.stderr, flush=True)
    try:
        actor = Actor(user_id=CONSOLE_USER_ID, chat_id=CONSOLE_USER_ID, name="本地管理员")
        session = ConsoleSession(service, actor)
        await session.ensure_local()
        if interactive:
            print(WELCOME)
        while True:
            if interactive:
                print("> ", end="", flush=True)
            line = sys.stdin.readline()
            if not line:
                return 0
            text = line.strip()
            if text in ("/quit", "/exit", "退出"):
                return 0
            if not text:
                continue
            print(await session.line(text), flush=True)
    finally:
        await service.close()
