"""Invites, joining and revoking: who becomes a liaison of which unit for which indicators, and who stops."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets

from bot.services.actors import Actor, MessageRef, require_private
from bot.services.clock import ZonedClock
from bot.services.directory import LiaisonDirectory
from bot.services.roles import Roles
from bot.services.unit_names import UnitNames, resolve_unit, split_new_unit_word
from errors import InviteError, NotFound, ReportInputError
from knowledge.lexicon import Lexicon
from reporting.catalog import IndicatorCatalog
from reporting.outcomes import (
    InviteCreated, InviteQuestion, Joined, LiaisonEntry, LiaisonList, Notice, OpenInvite, Revoked, RevokedNotice,
)
from storage.db import Database
from storage.models import Unit
from storage.reports import PendingReports, ProcessedUpdates
from storage.repositories import InviteRepository, LiaisonRepository, UnitRepository

LOCAL_UNIT = "本地单位"
CODE_BYTES = 9
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
UNIT_NAME = re.compile(r"[^\s\d#][^\s]{1,29}")
INVITE_EXAMPLE = "/invite 市总工会 15,16"
ALREADY_HANDLED = "这条指令已经处理过了（已处理），没有重复执行。"


def command_key(message: MessageRef) -> str:
    """A command message is handled once, whichever delivery of it comes first."""
    return f"cmd:{message.chat_id}:{message.message_id}"


class LiaisonAdmin:
    """Admins invite and revoke; an invite code is single-use and expires; the directory is told of every change."""

    def __init__(self, db: Database, catalog: IndicatorCatalog, lexicon: Lexicon | None, roles: Roles,
                 units: UnitNames, directory: LiaisonDirectory, clock: ZonedClock, invite_days: int = 7) -> None:
        self.db = db
        self.catalog = catalog
        self.lexicon = lexicon  # the policy's departments and their aliases, for /invite
        self.roles = roles
        self.unit_names = units
        self.directory = directory
        self.clock = clock
        self.invite_days = invite_days
        self.units = UnitRepository()
        self.invites = InviteRepository()
        self.liaisons = LiaisonRepository()
        self.processed = ProcessedUpdates()
        self.pending = PendingReports()

    async def create_invite(self, actor: Actor, args: str, bot_username: str | None = None,
                            command: MessageRef | None = None) -> InviteCreated | InviteQuestion | Notice:
        """`/invite 单位 指标…`: a single-use code and deep link for a department of the policy or a known unit.

        A misspelt or unknown unit is asked back (suggestions, or 新建 to create it on purpose); `command`
        delivered again gives a notice, not a second code.
        """
        self.roles.require_admin(actor)
        require_private(actor)
        args, on_purpose = split_new_unit_word(args.strip())
        parts = args.split(maxsplit=1)
        if len(parts) < 2 or not UNIT_NAME.fullmatch(parts[0]):
            raise ReportInputError("请写明单位名称和指标编号。", INVITE_EXAMPLE)
        if self.catalog.clashes(parts[0]):  # a unit called 济南 would swallow "济南工匠 12"
            raise ReportInputError(f"单位名称“{parts[0]}”容易和指标名称混淆，请写单位全称。", INVITE_EXAMPLE)
        numbers = self.catalog.parse_list(parts[1], INVITE_EXAMPLE)
        found = resolve_unit(parts[0], self.lexicon, await self.unit_names.names())
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if command is not None and not await self.processed.mark(conn, command_key(command), now):
                return Notice(text=ALREADY_HANDLED)
            if found.resolved is None and not on_purpose:
                token = secrets.token_hex(6)
                payload = {"invite": {"written": parts[0], "numbers": numbers, "choices": found.suggestions}}
                await self.pending.add(conn, token, actor.user_id, json.dumps(payload, ensure_ascii=False), now)
                return InviteQuestion(token=token, written=parts[0], suggestions=found.suggestions,
                                      indicators=self.catalog.refs(numbers))
            return await self._invite(conn, actor, found.resolved or parts[0], numbers, bot_username, now)

    async def choose_unit(self, actor: Actor, token: str, choice: int | None,
                          bot_username: str | None = None) -> InviteCreated:
        """The admin's answer to an InviteQuestion: suggestion number `choice`, or None for the unit as written."""
        self.roles.require_admin(actor)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            found = await self.pending.get(conn, token)
            asked = json.loads(found[1]).get("invite") if found and found[0] == actor.user_id else None
            if asked is None or not await self.pending.resolve(conn, token, now):
                raise NotFound("这个选择已经处理过或已过期，请重新发送 /invite。", INVITE_EXAMPLE)
            choices = asked["choices"]
            if choice is not None and not 0 <= choice < len(choices):
                raise NotFound("没有这个选项，请重新发送 /invite。", INVITE_EXAMPLE)
            name = asked["written"] if choice is None else choices[choice]
            return await self._invite(conn, actor, name, tuple(asked["numbers"]), bot_username, now)

    async def _invite(self, conn, actor: Actor, unit_name: str, numbers: tuple[int, ...], bot_username: str | None,
                      now: dt.datetime) -> InviteCreated:
        code = secrets.token_urlsafe(CODE_BYTES)
        unit = await self.units.get_or_create(conn, unit_name, now)
        invite = await self.invites.create(conn, code, unit, numbers, actor.user_id, now,
                                           now + dt.timedelta(days=self.invite_days))
        self.directory.invalidate()  # the unit may be new
        link = f"https://t.me/{bot_username}?start={code}" if bot_username else None
        return InviteCreated(code=code, unit_name=unit.name, indicators=self.catalog.refs(invite.indicators),
                             expires_at=invite.expires_at, link=link)

    async def join(self, actor: Actor, code: str) -> Joined:
        """Redeem an invite: once, before it expires; the same user redeeming again just sees their unit."""
        require_private(actor)
        code = code.strip()
        if not CODE_PATTERN.fullmatch(code):
            raise InviteError("邀请码格式不对，请检查后重发。", "/join 邀请码")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            invite = await self.invites.by_code(conn, code)
            if invite is None:
                raise InviteError("没有这个邀请码，请向管理员索取新的邀请。")
            if invite.revoked_at is not None:
                raise InviteError("这个邀请码已被管理员撤销，请向管理员索取新的邀请。")
            if invite.used_by is not None:  # single-use forever: only its own, still active liaison sees the unit
                current = [x for x in await self.liaisons.active_for_user(conn, actor.user_id)
                           if x.unit_id == invite.unit_id]
                if invite.used_by != actor.user_id or not current:
                    raise InviteError("这个邀请码已经被使用过了，每个邀请码只能用一次。请向管理员索取新的邀请。")
                refs = self.catalog.refs(current[0].indicators)
                return Joined(unit_name=invite.unit_name, indicators=refs, example=f"{refs[0].name} 12" if refs else "")
            if now > invite.expires_at:
                raise InviteError("这个邀请码已过期，请向管理员索取新的邀请。")
            if not await self.invites.mark_used(conn, code, actor.user_id, now):
                raise InviteError("这个邀请码已经被使用过了。")
            unit = Unit(id=invite.unit_id, name=invite.unit_name)
            await self.liaisons.join(conn, actor.user_id, unit, invite.indicators, actor.name, actor.username,
                                     actor.chat_id, code, now)
        self.directory.invalidate()
        refs = self.catalog.refs(invite.indicators)
        example = f"{refs[0].name} 12" if refs else "济南工匠 12"
        return Joined(unit_name=invite.unit_name, indicators=refs, example=example)

    async def ensure_local_liaison(self, actor: Actor) -> Joined:
        """The console's user: liaison of the local unit for every indicator."""
        numbers = tuple(sorted(self.catalog.indicators))
        async with self.db.transaction() as conn:
            unit = await self.units.get_or_create(conn, LOCAL_UNIT, self.clock.now())
            await self.liaisons.join(conn, actor.user_id, unit, numbers, actor.name, actor.username, actor.chat_id,
                                     None, self.clock.now())
        self.directory.invalidate()
        return Joined(unit_name=LOCAL_UNIT, indicators=self.catalog.refs(numbers), example="济南工匠 12")

    async def list_liaisons(self, actor: Actor) -> LiaisonList:
        self.roles.require_admin(actor)
        require_private(actor)
        async with self.db.reading() as conn:
            liaisons = await self.liaisons.active(conn)
            invites = await self.invites.open(conn)
        now = self.clock.now()
        return LiaisonList(
            liaisons=tuple(LiaisonEntry(user_id=x.user_id, name=x.name, username=x.username, unit_name=x.unit_name,
                                        indicators=x.indicators, joined_at=x.joined_at) for x in liaisons),
            invites=tuple(OpenInvite(code=i.code, unit_name=i.unit_name, indicators=i.indicators,
                                     expires_at=i.expires_at) for i in invites if i.expires_at >= now),
        )

    async def revoke(self, actor: Actor, target: str, command: MessageRef | None = None) -> Revoked | Notice:
        """`/revoke` a user id, @username, unit name or unused invite code; rows are marked, never deleted."""
        self.roles.require_admin(actor)
        target = target.strip()
        if not target:
            raise ReportInputError("请写明要撤销的联络员（用户ID、@用户名或单位名）或邀请码。", "/revoke 市总工会")
        now = self.clock.now()
        done: list[str] = []
        told: list[RevokedNotice] = []
        async with self.db.transaction() as conn:
            if command is not None and not await self.processed.mark(conn, command_key(command), now):
                return Notice(text=ALREADY_HANDLED)
            if await self.invites.revoke(conn, target, now):
                done.append(f"邀请码 {target}")
            unit = await self.units.by_name(conn, target)
            if unit is not None and (cancelled := await self.invites.revoke_for_unit(conn, unit.id, now)):
                done.append(f"{unit.name} 未使用的邀请码 {cancelled} 个")
            for liaison in await self.liaisons.active(conn):
                hit = (target == str(liaison.user_id) or target == liaison.unit_name
                       or (liaison.username and target.lstrip("@").lower() == liaison.username.lower()))
                if hit and await self.liaisons.revoke(conn, liaison.id, actor.user_id, now):
                    done.append(f"{liaison.unit_name} 联络员 {liaison.name or liaison.user_id}（ID {liaison.user_id}）")
                    told.append(RevokedNotice(chat_id=liaison.chat_id or liaison.user_id, text=(
                        f"您在“{liaison.unit_name}”的联络员身份已被管理员撤销，之后发送的数据不会再保存。"
                        "如有疑问请联系管理员。")))
        self.directory.invalidate()
        if not done:
            raise NotFound(f"没有找到“{target}”对应的联络员或未使用的邀请码。发送 /liaisons 查看名单。")
        return Revoked(what=tuple(done), told=tuple(told))
