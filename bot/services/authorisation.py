"""Which unit each figure of a draft is stored for, and whether its sender may store it there."""

from __future__ import annotations

from bot.services.actors import Actor
from bot.services.roles import NOT_A_LIAISON, Roles
from bot.services.unit_names import UnitNames
from errors import NotFound, PermissionDenied, ReportInputError, UserFacingError
from reporting.catalog import IndicatorCatalog
from reporting.drafts import ReportDraft, ReportItem
from reporting.outcomes import FigureChoice
from storage.models import Liaison, Unit

Assignment = tuple[Unit, ReportItem]
ADMIN_EXAMPLE = "市人社局 技能人才 136.5万"


class Authorisation:
    """Liaisons store for their units and indicators, admins for any known unit (named at the message's start)."""

    def __init__(self, catalog: IndicatorCatalog, roles: Roles, units: UnitNames) -> None:
        self.catalog = catalog
        self.roles = roles
        self.units = units

    async def assign(self, actor: Actor, draft: ReportDraft, liaisons: list[Liaison]) -> list[Assignment]:
        """The unit each item is stored for; raises when the sender may not report it."""
        if draft.unit_name:
            return await self._named(actor, draft, liaisons, draft.unit_name)
        out: list[Assignment] = []
        for item in draft.items:
            owners = [x for x in liaisons if item.indicator in x.indicators]
            if len(owners) == 1:
                out.append((Unit(id=owners[0].unit_id, name=owners[0].unit_name), item))
            elif len(owners) > 1:
                names = "、".join(x.unit_name for x in owners)
                raise ReportInputError(f"您是多个单位（{names}）的联络员，请在开头写明单位。",
                                       f"{owners[0].unit_name} {self.catalog.indicators[item.indicator].name} 12")
            elif liaisons:
                raise PermissionDenied(self._not_assigned(item.indicator, liaisons))
            else:
                known = "、".join((await self.units.names())[:8]) or "（还没有单位，请先 /invite）"
                raise ReportInputError(f"管理员代报请在开头写明单位。已有单位：{known}", ADMIN_EXAMPLE)
        return out

    async def _named(self, actor: Actor, draft: ReportDraft, liaisons: list[Liaison], written: str
                     ) -> list[Assignment]:
        """'市人社局 技能人才 5': the unit must exist, the sender be its liaison for each indicator (or an admin)."""
        admin = self.roles.is_admin(actor.user_id)
        unit = await self.units.by_name(written)
        mine = next((x for x in liaisons if x.unit_name == self.units.official(written)), None)
        if unit is None and admin:
            known = "、".join(await self.units.names()) or "无"
            raise NotFound(f"还没有单位“{written}”。请检查名称，或先用 /invite 创建。已有单位：{known}",
                           f"/invite {written} 1")
        if unit is None or (not admin and mine is None):
            raise PermissionDenied(f"您不是“{written}”的联络员，不能为它上报。")
        for item in draft.items:
            if not admin and mine is not None and item.indicator not in mine.indicators:
                raise PermissionDenied(self._not_assigned(item.indicator, [mine]))
        return [(unit, item) for item in draft.items]

    async def choices(self, actor: Actor) -> tuple[FigureChoice, ...]:
        """The guided /report's buttons: every (unit, indicator) the sender is a liaison for."""
        liaisons = await self.roles.liaisons_of(actor.user_id)
        if not liaisons and self.roles.is_admin(actor.user_id):
            raise UserFacingError("管理员代报请直接发送“单位 指标 数值”。", ADMIN_EXAMPLE)
        if not liaisons:
            raise PermissionDenied(NOT_A_LIAISON)
        return tuple(self._choice(x, n) for x in liaisons for n in x.indicators if n in self.catalog.indicators)

    async def choice(self, actor: Actor, unit_id: int, indicator: int) -> FigureChoice | None:
        """The tapped (unit, indicator), when the sender is still its liaison; None otherwise."""
        found = next((x for x in await self.roles.liaisons_of(actor.user_id)
                      if x.unit_id == unit_id and indicator in x.indicators), None)
        return self._choice(found, indicator) if found and indicator in self.catalog.indicators else None

    def _choice(self, liaison: Liaison, number: int) -> FigureChoice:
        indicator = self.catalog.indicators[number]
        return FigureChoice(unit_id=liaison.unit_id, unit_name=liaison.unit_name, indicator=number,
                            name=indicator.name, unit=indicator.unit)

    def _not_assigned(self, number: int, liaisons: list[Liaison]) -> str:
        assigned = sorted({n for x in liaisons for n in x.indicators})
        names = "、".join(self.catalog.label(n) for n in assigned) or "无"
        units = "、".join(x.unit_name for x in liaisons)
        return f"指标“{self.catalog.label(number)}”没有分配给{units}，未保存。您可以上报：{names}。"
