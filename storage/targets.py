"""Where the data lives: an SQLite file (the default) or a PostgreSQL server, told apart once from BOT_DB."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from errors import UnsupportedDatabase

SCHEMES = ("postgresql", "postgres")


class PostgresUrl(str):
    """A postgresql:// address of the server database (psycopg reads it as libpq does)."""

    __slots__ = ()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.is_instance_schema(cls)

    @property
    def redacted(self) -> str:
        """For logs and messages: the address without its password."""
        parts = urlsplit(self)
        if parts.password is None:
            return str(self)
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()


DatabaseTarget = Path | PostgresUrl


def dialect(conn: object) -> str:
    """A raw connection's engine, for the few statements written per engine (JSON lists): sqlite or postgresql."""
    return getattr(conn, "dialect", "sqlite")


def database_target(value: str | Path) -> DatabaseTarget:
    """A postgresql:// URL, or else a file path; any other scheme is refused (UnsupportedDatabase says which)."""
    if isinstance(value, PostgresUrl | Path):
        return value
    text = value.strip()
    scheme, sep, _ = text.partition("://")
    if not sep:
        return Path(text)
    if scheme.lower() not in SCHEMES:
        raise UnsupportedDatabase(scheme)
    return PostgresUrl(text)
