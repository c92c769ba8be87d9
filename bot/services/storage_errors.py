"""Storage's typed failures in Chinese: storage raises them wordless, and every surface words them here."""

from __future__ import annotations

from errors import DatabaseUnusable, Unusable

STORAGE_DOWN = "数据库暂时无法写入，本条数据没有保存，请稍后重发。"
MAX_TABLES_SHOWN = 4
REASONS = {
    Unusable.DIRECTORY: "是一个目录，不是数据库文件",
    Unusable.MISSING: "文件不存在",
    Unusable.CREATE_DENIED: "无法创建（没有写权限）",
    Unusable.CREATE_PATH_BLOCKED: "无法创建（路径中有一段是文件，不是目录）",
    Unusable.CREATE_FAILED: "无法创建（{detail}）",
    Unusable.READ_DENIED: "无法读取（没有读取权限）",
    Unusable.READ_FAILED: "无法读取（{detail}）",
    Unusable.NOT_A_DATABASE: "不是 SQLite 数据库（文件已损坏，或是别的文件）",
    Unusable.READ_ONLY: "是只读的（文件或所在目录没有写权限）",
    Unusable.LOCKED: "正被其他程序锁定，请稍后再试",
    Unusable.CANNOT_OPEN: "无法打开（没有权限，或路径不对）",
    Unusable.FAILED: "无法使用（{detail}）",
    Unusable.FOREIGN_APPLICATION: "属于其他程序（application_id {detail}），不是本程序的数据库",
    Unusable.FOREIGN_MIGRATIONS: "的 schema_migrations 表不是本程序的格式，不是本程序的数据库",
    Unusable.CONSOLE_SANDBOX: "是终端模式的试用数据库，不能给 Telegram 机器人使用",
    Unusable.BOT_DATABASE: "是 Telegram 机器人的数据库，终端模式不能使用（终端模式有自己的试用数据库）",
    Unusable.SERVER_UNREACHABLE: "无法连接（{detail}）；请检查 PostgreSQL 是否在运行、地址、用户名和数据库名",
}


def unusable_reason(exc: DatabaseUnusable) -> str:
    """Why the file cannot serve, as one Chinese clause that follows the file's name (it names no setting)."""
    if exc.problem is Unusable.CORRUPT:
        return f"已损坏（{exc.detail}；请用备份恢复）" if exc.detail else "已损坏（请用备份恢复）"
    if exc.problem is Unusable.FOREIGN_TABLES:
        tables = exc.detail.split(", ")
        shown = "、".join(tables[:MAX_TABLES_SHOWN]) + ("…" if len(tables) > MAX_TABLES_SHOWN else "")
        return f"含有其他程序的表（{shown}），不是本程序的数据库"
    if exc.problem is Unusable.NEWER_SCHEMA:
        found, known = exc.versions
        return (f"由更新版本的程序写入（架构版本 {found}，本程序最高支持 {known}）；"
                "请升级程序，或换用与本程序版本对应的备份")
    if exc.problem is Unusable.UNKNOWN_SCHEMA:
        return f"记录了本程序不认识的架构版本 {list(exc.versions)}，可能由其他版本的程序写入"
    return REASONS[exc.problem].format(detail=exc.detail)
