"""Who may act: admins from BOT_ADMINS (and the console's local user), liaisons of which units from the directory."""

from __future__ import annotations

from bot.services.actors import Actor
from bot.services.directory import LiaisonDirectory
from errors import PermissionDenied
from storage.models import Liaison

LOCAL_USER_ID = 0  # the console's user: admin of its own sandbox database
ADMIN_ONLY = "只有管理员可以这样做。"
NOT_A_LIAISON = "您还不是联络员，不能报送数据。请向管理员索取邀请码，然后发送 /join 邀请码。"


class Roles:
    """Admin rights and liaison memberships, asked by every part that acts for someone."""

    def __init__(self, admins: frozenset[int], directory: LiaisonDirectory) -> None:
        self.admins = admins
        self.directory = directory

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admins or user_id == LOCAL_USER_ID

    def require_admin(self, actor: Actor, reply: str = ADMIN_ONLY) -> None:
        if not self.is_admin(actor.user_id):
            raise PermissionDenied(reply)

    async def liaisons_of(self, user_id: int) -> list[Liaison]:
        """The user's active memberships, oldest first (from the directory: no database hop once it is loaded)."""
        return list((await self.directory.get()).active.get(user_id, ()))

    async def is_liaison(self, user_id: int) -> bool:
        return bool(await self.liaisons_of(user_id))
