"""The project's one error tree, so handlers can turn expected failures into replies.

    BotError                       base of everything we raise on purpose
    ├── PolicyFormatError          the policy document does not have the expected shape
    ├── StorageError               storage's own failures, typed and wordless: bot/services/storage_errors.py words them
    │   ├── DatabaseUnusable       the database file cannot serve; `problem` (Unusable) says why: corrupt, foreign …
    │   ├── StorageUnavailable     the database is locked or read-only right now; nothing was stored
    │   ├── CopyRefused            `migrate-db` will not copy, or its copy did not check out; `problem` says why
    │   └── UnsupportedDatabase    BOT_DB names a scheme other than a file path or postgresql://
    ├── ConfigError                settings missing or wrong (e.g. no BOT_TOKEN for `run`); main.py exits 2
    │   └── SettingInvalid         one setting's value is unusable: one Chinese line with the value and an example
    └── UserFacingError            expected; carries a Chinese reply and a working example
        ├── InputError             the message cannot be understood or is out of range
        │   └── ReportInputError   a figure report that cannot be stored as written
        ├── Unauthorized           a web request without valid, fresh, signed Telegram init data (HTTP 401)
        ├── PermissionDenied       the actor may not do this (checked in the service layer)
        ├── NotFound               unknown unit, invite, report, measure …
        ├── Conflict               the thing changed meanwhile: a figure already decided, undone or corrected
        ├── InviteError            an invite code that is used, expired or unknown
        └── RateLimited            the user sends faster than the flood limit allows
"""

from __future__ import annotations

from enum import StrEnum


class BotError(Exception):
    """Base of every error raised on purpose."""


class PolicyFormatError(BotError):
    """The policy text lacks a part the parser needs."""


class StorageError(BotError):
    """A failure of storage itself: typed, so the layers above word it for whoever reads it."""


class Unusable(StrEnum):
    """Why a database file cannot serve; `detail` or `versions` on the error carry the facts a reason quotes."""

    DIRECTORY = "a directory"
    MISSING = "no such file"
    CREATE_DENIED = "cannot create: no write permission"
    CREATE_PATH_BLOCKED = "cannot create: a part of the path is a file"
    CREATE_FAILED = "cannot create"  # detail: the system's reason
    READ_DENIED = "cannot read: no read permission"
    READ_FAILED = "cannot read"  # detail: the system's reason
    NOT_A_DATABASE = "not an SQLite database"
    READ_ONLY = "read-only"
    LOCKED = "locked by another program"
    CANNOT_OPEN = "cannot open"
    CORRUPT = "corrupt"  # detail: SQLite's first complaint, if any
    FAILED = "SQLite error"  # detail: SQLite's message
    FOREIGN_APPLICATION = "another program's file"  # detail: its application_id
    FOREIGN_TABLES = "another program's tables"  # detail: their names, comma-separated
    FOREIGN_MIGRATIONS = "another program's schema_migrations table"
    NEWER_SCHEMA = "written by a newer version"  # versions: (found, the newest this one knows)
    UNKNOWN_SCHEMA = "unknown schema versions"  # versions: the unknown ones
    CONSOLE_SANDBOX = "the console's sandbox, asked for by the Telegram bot"
    BOT_DATABASE = "the Telegram bot's database, asked for by the console"
    SERVER_UNREACHABLE = "cannot connect to the PostgreSQL server"  # detail: libpq's first line


class DatabaseUnusable(StorageError):
    """The file cannot be our database; storage names the problem, never a setting or a sentence (bot/ does)."""

    def __init__(self, problem: Unusable, detail: str = "", versions: tuple[int, ...] = ()) -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem
        self.detail = detail
        self.versions = versions


class UnsupportedDatabase(StorageError, ValueError):
    """An address with a scheme we have no engine for (mysql://…): `scheme` says which."""

    def __init__(self, scheme: str) -> None:
        super().__init__(f"no engine for {scheme}://")
        self.scheme = scheme


class StorageUnavailable(StorageError):
    """The database cannot be written right now (locked, read-only); nothing was stored."""


class CopyProblem(StrEnum):
    """Why `migrate-db` left the PostgreSQL database as it was; `detail` carries the names and numbers."""

    SOURCE_BUSY = "the SQLite file is open in another process (a running bot)"
    TARGET_BUSY = "another process holds the PostgreSQL database's write lock"
    TARGET_FOREIGN = "the PostgreSQL database holds other tables"  # detail: their names
    TARGET_NEWER = "the PostgreSQL database has schema versions the SQLite file lacks"  # versions: those
    TARGET_NOT_EMPTY = "the PostgreSQL database already holds data"  # detail: table=rows, comma-separated
    SCHEMA_DIFFERS = "the two schemas differ"  # detail: the table and what differs
    UNLISTED_TABLE = "a table with no copy statement"  # detail: its name (a migration added it: list it)
    COUNTS_DIFFER = "the copy's counts differ from the source's"  # detail: table source/target
    FAILED = "PostgreSQL refused the copy"  # detail: the server's first line


class CopyRefused(StorageError):
    """Nothing was copied (or the copy was rolled back): the PostgreSQL database holds no row of the SQLite file."""

    def __init__(self, problem: CopyProblem, detail: str = "", versions: tuple[int, ...] = ()) -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem
        self.detail = detail
        self.versions = versions


class ConfigError(BotError):
    """Settings are missing or inconsistent."""


class SettingInvalid(ConfigError):
    """One setting's value cannot work; its text is the single line main.py prints before exit code 2."""

    def __init__(self, setting: str, value: object, problem: str, example: str, also: tuple[str, ...] = ()) -> None:
        self.setting = setting
        self.value = value
        self.problem = problem
        self.example = example
        more = f"（另有设置也有误：{'、'.join(also)}）" if also else ""
        problem = " ".join(problem.splitlines())  # a reason may quote a multi-line SQLite message
        super().__init__(f"设置错误：{setting}={show_value(value)} {problem}。可以这样写：{example}{more}")


def show_value(value: object, limit: int = 200) -> str:
    """A setting's value on one line: control characters escaped, long values cut, empty ones said so."""
    text = str(value)
    if not text:
        return "（空）"
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class UserFacingError(BotError):
    """An expected failure whose message is shown to the user as is."""

    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example

    @property
    def reply(self) -> str:
        if self.example:
            return f"{self.message}\n例如：{self.example}"
        return self.message


class InputError(UserFacingError):
    """The user's text cannot be understood or is out of range."""


class ReportInputError(InputError):
    """A figure report that cannot be stored as written."""


class Unauthorized(UserFacingError):
    """A dashboard request whose Telegram init data is missing, forged, tampered with or stale."""


class PermissionDenied(UserFacingError):
    """The actor is not allowed to do this."""


class NotFound(UserFacingError):
    """The thing named does not exist."""


class Conflict(UserFacingError):
    """The request was right when made, but the thing changed meanwhile (a figure decided, undone or corrected)."""


class InviteError(UserFacingError):
    """An invite code that cannot be redeemed."""


class RateLimited(UserFacingError):
    """Too many messages in a short time; `quiet` once the sender has already been told."""

    def __init__(self, message: str, quiet: bool = False) -> None:
        super().__init__(message)
        self.quiet = quiet
