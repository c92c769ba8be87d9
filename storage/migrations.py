"""Numbered schema migrations: append new ones, never edit one that has shipped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One schema step; its statements run in a single transaction."""

    version: int
    name: str
    statements: tuple[str, ...]


M0001_INITIAL = Migration(
    1,
    "units, liaisons, invites, reports, processed updates, notifications",
    (
        """CREATE TABLE units (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE invites (
            code TEXT PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units(id),
            indicators TEXT NOT NULL,
            created_by INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_by INTEGER,
            used_at TEXT,
            revoked_at TEXT
        )""",
        """CREATE TABLE liaisons (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            unit_id INTEGER NOT NULL REFERENCES units(id),
            name TEXT NOT NULL DEFAULT '',
            username TEXT,
            chat_id INTEGER,
            invite_code TEXT REFERENCES invites(code),
            joined_at TEXT NOT NULL,
            revoked_at TEXT,
            revoked_by INTEGER
        )""",
        "CREATE UNIQUE INDEX liaisons_active ON liaisons(user_id, unit_id) WHERE revoked_at IS NULL",
        """CREATE TABLE liaison_indicators (
            liaison_id INTEGER NOT NULL REFERENCES liaisons(id),
            indicator INTEGER NOT NULL,
            PRIMARY KEY (liaison_id, indicator)
        )""",
        """CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units(id),
            indicator INTEGER NOT NULL,
            period TEXT NOT NULL,
            value REAL NOT NULL,
            cumulative INTEGER NOT NULL DEFAULT 0,
            reporter_id INTEGER NOT NULL,
            chat_id INTEGER,
            message_id INTEGER,
            source_text TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            replaces_id INTEGER REFERENCES reports(id),
            superseded_by INTEGER REFERENCES reports(id),
            superseded_at TEXT,
            undone_at TEXT,
            undone_by INTEGER
        )""",
        "CREATE INDEX reports_key ON reports(indicator, unit_id, period, id)",
        "CREATE INDEX reports_message ON reports(chat_id, message_id)",
        "CREATE INDEX reports_reporter ON reports(reporter_id, id)",
        """CREATE TABLE processed_updates (
            key TEXT PRIMARY KEY,
            processed_at TEXT NOT NULL
        )""",
        """CREATE TABLE pending_reports (
            token TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            resolved_at TEXT
        )""",
        """CREATE TABLE sent_notifications (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (kind, key)
        )""",
    ),
)

M0002_CURRENT_INDEX = Migration(
    2,
    "index of the rows that can be current (not undone), for progress queries",
    ("CREATE INDEX reports_current ON reports(indicator, unit_id, period, id) WHERE undone_at IS NULL",),
)

M0003_UPDATE_INBOX = Migration(
    3,
    "durable inbox: raw updates stored before Telegram is told they arrived, marked done once handled",
    (
        """CREATE TABLE update_inbox (
            update_id INTEGER PRIMARY KEY,
            payload TEXT NOT NULL,
            received_at TEXT NOT NULL,
            done_at TEXT
        )""",
        "CREATE INDEX update_inbox_pending ON update_inbox(update_id) WHERE done_at IS NULL",
        "CREATE INDEX update_inbox_done ON update_inbox(done_at) WHERE done_at IS NOT NULL",
    ),
)

M0004_SUMMARY_INDEXES = Migration(
    4,
    "summaries in SQL: the current-rows index also covers value and cumulative; rows by creation and undo instant",
    (
        "DROP INDEX reports_current",
        ("CREATE INDEX reports_current ON reports(indicator, unit_id, period, id, value, cumulative)"
         " WHERE undone_at IS NULL"),
        "CREATE INDEX reports_created ON reports(julianday(created_at))",
        "CREATE INDEX reports_undone ON reports(julianday(undone_at)) WHERE undone_at IS NOT NULL",
    ),
)

M0005_UNDONE_COUNT = Migration(
    5,
    "the number of undone rows, kept by triggers: the summary cache's watermark reads it instead of counting them",
    (
        "CREATE TABLE report_counts (id INTEGER PRIMARY KEY CHECK (id = 1), undone INTEGER NOT NULL)",
        "INSERT INTO report_counts (id, undone) SELECT 1, COUNT(*) FROM reports WHERE undone_at IS NOT NULL",
        ("CREATE TRIGGER reports_undone_inserted AFTER INSERT ON reports WHEN NEW.undone_at IS NOT NULL"
         " BEGIN UPDATE report_counts SET undone = undone + 1 WHERE id = 1; END"),
        ("CREATE TRIGGER reports_undone_changed AFTER UPDATE OF undone_at ON reports"
         " WHEN (OLD.undone_at IS NULL) <> (NEW.undone_at IS NULL)"
         " BEGIN UPDATE report_counts SET undone = undone + (CASE WHEN NEW.undone_at IS NULL THEN -1 ELSE 1 END)"
         " WHERE id = 1; END"),
        ("CREATE TRIGGER reports_undone_deleted AFTER DELETE ON reports WHEN OLD.undone_at IS NOT NULL"
         " BEGIN UPDATE report_counts SET undone = undone - 1 WHERE id = 1; END"),
    ),
)

M0006_PROCESSED_AGE = Migration(
    6,
    "processed update keys by age, so the ones older than any redelivery can be pruned",
    ("CREATE INDEX processed_updates_age ON processed_updates(julianday(processed_at))",),
)

# A figure held back from counting (held: 'pending' 待审核 until an admin approves it, 'returned' 已退回) and the
# decision on it (who, when, why returned). Only figures that count are in the rule's covering index: `held` joins
# it, so the rule (storage.reports) reads it without the table. A decision is stamped like an undo, with its own
# trigger-kept count, so the summary cache's watermark catches approvals (storage/unit_figures.py).
M0007_REVIEW = Migration(
    7,
    "approval: figures held back until an admin approves or returns them; decisions stamped and counted",
    (
        "ALTER TABLE reports ADD COLUMN held TEXT CHECK (held IN ('pending', 'returned'))",
        "ALTER TABLE reports ADD COLUMN reviewed_at TEXT",
        "ALTER TABLE reports ADD COLUMN reviewed_by INTEGER",
        "ALTER TABLE reports ADD COLUMN review_note TEXT",
        "DROP INDEX reports_current",
        ("CREATE INDEX reports_current ON reports(indicator, unit_id, period, id, value, cumulative, held)"
         " WHERE undone_at IS NULL"),
        "CREATE INDEX reports_pending ON reports(id) WHERE held = 'pending' AND undone_at IS NULL",
        "CREATE INDEX reports_reviewed ON reports(julianday(reviewed_at)) WHERE reviewed_at IS NOT NULL",
        "ALTER TABLE report_counts ADD COLUMN reviewed INTEGER NOT NULL DEFAULT 0",
        ("CREATE TRIGGER reports_reviewed_inserted AFTER INSERT ON reports WHEN NEW.reviewed_at IS NOT NULL"
         " BEGIN UPDATE report_counts SET reviewed = reviewed + 1 WHERE id = 1; END"),
        ("CREATE TRIGGER reports_reviewed_changed AFTER UPDATE OF reviewed_at ON reports"
         " WHEN (OLD.reviewed_at IS NULL) <> (NEW.reviewed_at IS NULL)"
         " BEGIN UPDATE report_counts SET reviewed = reviewed + (CASE WHEN NEW.reviewed_at IS NULL THEN -1 ELSE 1 END)"
         " WHERE id = 1; END"),
        ("CREATE TRIGGER reports_reviewed_deleted AFTER DELETE ON reports WHEN OLD.reviewed_at IS NOT NULL"
         " BEGIN UPDATE report_counts SET reviewed = reviewed - 1 WHERE id = 1; END"),
    ),
)

# Replicas (several processes on one database): a chat's dialog and guided /report (user_id 0: the chat's dialog,
# else that user's guided /report in it), each user's flood window, the leases of scheduled jobs, and which live
# process has an update of the inbox in hand. Portable SQL: the PostgreSQL list shares these statements verbatim.
M0008_REPLICAS = Migration(
    8,
    "replicas: chat state, flood windows and job leases in the database; inbox updates claimed by a process",
    (
        """CREATE TABLE chat_states (
            chat_id BIGINT NOT NULL,
            user_id BIGINT NOT NULL,
            payload TEXT NOT NULL,
            version BIGINT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, user_id)
        )""",
        "CREATE INDEX chat_states_age ON chat_states(julianday(updated_at))",
        """CREATE TABLE flood_windows (
            user_id BIGINT NOT NULL PRIMARY KEY,
            payload TEXT NOT NULL,
            version BIGINT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX flood_windows_age ON flood_windows(julianday(updated_at))",
        """CREATE TABLE job_leases (
            name TEXT NOT NULL PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )""",
        "ALTER TABLE update_inbox ADD COLUMN claimed_by TEXT",
        "ALTER TABLE update_inbox ADD COLUMN claimed_at TEXT",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (
    M0001_INITIAL, M0002_CURRENT_INDEX, M0003_UPDATE_INBOX, M0004_SUMMARY_INDEXES, M0005_UNDONE_COUNT,
    M0006_PROCESSED_AGE, M0007_REVIEW, M0008_REPLICAS)
