"""Leases on scheduled jobs in the database: one process holds a job until its lease runs out unrenewed."""

from __future__ import annotations

import sqlite3

# Taken when free, renewed by its holder, taken over once expired: one statement, atomic on both engines.
HOLD = (
    "INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)"
    " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
    " WHERE job_leases.holder = excluded.holder OR julianday(job_leases.expires_at) <= julianday(?)"
)
HOLDER = "SELECT holder, expires_at FROM job_leases WHERE name = ?"
RELEASE = "DELETE FROM job_leases WHERE name = ? AND holder = ?"


def hold(conn: sqlite3.Connection, name: str, holder: str, now: str, until: str) -> bool:
    """Take or renew the lease `name` until `until`; False while another holder's lease runs (times ISO-8601)."""
    return conn.execute(HOLD, (name, holder, until, now)).rowcount == 1


def holder(conn: sqlite3.Connection, name: str) -> tuple[str, str] | None:
    """(holder, expires_at) of the lease, if anyone ever took it and did not release it."""
    row = conn.execute(HOLDER, (name,)).fetchone()
    return (row[0], row[1]) if row is not None else None


def release(conn: sqlite3.Connection, name: str, holder: str) -> None:
    """Give the lease up (a clean shutdown), so another process need not wait for it to expire."""
    conn.execute(RELEASE, (name, holder))
