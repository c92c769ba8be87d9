"""Every bad setting stops every command with one Chinese line (setting, value, example), exit 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import main
from bot.settings import Settings, load_settings, parse_weekly_at
from errors import PolicyFormatError, SettingInvalid
from knowledge.parser import SHIPPED_POLICY, load_policy

pytestmark = pytest.mark.service

MAIN = Path(__file__).resolve().parents[1] / "main.py"
COMMANDS: tuple[list[str], ...] = (["ask", "谁负责产教融合"], ["console"], ["run"], ["summary"], ["backup", "copy.db"],
                                   [])
POLICY_PARTS = SHIPPED_POLICY.read_text(encoding="utf-8").partition("新增济南工匠（人）\t30")

# (setting, bad value); a value that is a file name is created in the test's folder first (see _bad_env)
BAD = [
    ("BOT_TZ", "Mars/Olympus"), ("BOT_TZ", "../../etc/passwd"), ("BOT_TZ", ""),
    ("BOT_ADMINS", "alice"), ("BOT_ADMINS", "12,-5"), ("BOT_ADMINS", "1.5"),
    ("BOT_WEEKLY_AT", "MON"), ("BOT_WEEKLY_AT", "周八 09:00"), ("BOT_WEEKLY_AT", "MON 25:00"),
    ("BOT_REMIND_DAY", "0"), ("BOT_REMIND_DAY", "31"), ("BOT_REMIND_DAY", "five"),
    ("BOT_POLICY", "missing.txt"), ("BOT_POLICY", "<folder>"), ("BOT_POLICY", "<binary>"), ("BOT_POLICY", "<wrong>"),
    ("BOT_DB", "<folder>"), ("BOT_DB", ""), ("BOT_DB", "<file>/bot.db"), ("BOT_DB", "<binary>"),
    ("BOT_DB", "mysql://bot@127.0.0.1/bot"), ("BOT_DB", "postgresql://bot@127.0.0.1:1/bot"),  # no server on port 1
    ("BOT_CONSOLE_DB", "postgresql://bot@127.0.0.1/bot"),
    ("BOT_CONSOLE_DB", "<folder>"), ("BOT_CONSOLE_DB", "<binary>"),
    ("BOT_WEBHOOK_URL", "ftp://bot.example.com/hook"), ("BOT_WEBHOOK_URL", "https://"),
    ("BOT_WEBHOOK_URL", "https://bot.example.com:99999/hook"),
    ("BOT_WEBHOOK_LISTEN", "not an address"), ("BOT_WEBHOOK_PORT", "0"), ("BOT_WEBHOOK_PORT", "https"),
    ("BOT_API_URL", "127.0.0.1:8081"), ("BOT_API_URL", "http://127.0.0.1:8081"),
    ("BOT_INVITE_DAYS", "0"), ("BOT_INVITE_DAYS", "seven"),
    ("BOT_FLOOD_PER_MINUTE", "-1"), ("BOT_FLOOD_PER_MINUTE", "lots"),
    ("BOT_WEB_PORT", "0"), ("BOT_WEB_PORT", "web"), ("BOT_WEB_LISTEN", "not an address"),
    ("BOT_WEB_URL", "http://bot.example.com/"), ("BOT_WEB_URL", "https://"),
    ("BOT_WEB_URL", "https://bot.example.com/"),  # without BOT_WEB_PORT: the page would have no server
    ("BOT_APPROVAL", "maybe"),
]
# the checks of these run when a command opens the file, so not every command meets them
OPENED_BY = {"BOT_DB": ("run", "summary", "backup"), "BOT_CONSOLE_DB": ("console",),
             "BOT_POLICY": ("ask", "console", "run", "summary")}


def _bad_env(tmp_path: Path, setting: str, value: str) -> dict[str, str]:
    (tmp_path / "folder").mkdir(exist_ok=True)
    (tmp_path / "file").write_text("not a folder")
    (tmp_path / "binary").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "wrong").write_text("这不是政策原文。\n\n只是一段别的文字。\n", encoding="utf-8")
    value = value.replace("<folder>", str(tmp_path / "folder")).replace("<file>", str(tmp_path / "file"))
    value = value.replace("<binary>", str(tmp_path / "binary")).replace("<wrong>", str(tmp_path / "wrong"))
    return {"BOT_TOKEN": "123456:TEST-token", "BOT_DB": str(tmp_path / "bot.db"),
            "BOT_CONSOLE_DB": str(tmp_path / "console.db"), setting: value}


def _assert_one_line(err: str, setting: str, value: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"设置错误：{setting}="), err
    assert f"{setting}={value or '（空）'} " in lines[0], err
    assert "可以这样写：" in lines[0] and setting in lines[0].partition("可以这样写：")[2], err
    assert "Traceback" not in err


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No BOT_ variable from the caller and no .env: only what the test sets."""
    for name in list(os.environ):
        if name.startswith("BOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("setting", "value"), BAD, ids=[f"{s}={v}" for s, v in BAD])
def test_every_bad_setting_stops_every_command_with_one_line(
    setting: str, value: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    env = _bad_env(clean_env, setting, value)
    for name, text in env.items():
        monkeypatch.setenv(name, text)
    commands = [c for c in COMMANDS if setting not in OPENED_BY or (c or ["console"])[0] in OPENED_BY[setting]]
    for argv in commands:
        if argv[:1] == ["backup"] and setting == "BOT_DB" and not Path(env[setting]).exists():
            continue  # a backup of no file at all is run_backup's own message (exit 1)
        assert main.main(argv) == 2, argv
        out, err = capsys.readouterr()
        _assert_one_line(err, setting, env[setting])
        assert out == "", argv
    assert not (clean_env / "data").exists() and not (clean_env / "console.db").exists()


def test_several_bad_settings_are_still_one_line(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TZ", "Nowhere/Land")
    monkeypatch.setenv("BOT_REMIND_DAY", "40")
    with pytest.raises(SettingInvalid) as raised:
        load_settings()
    assert "\n" not in str(raised.value) and "BOT_TZ=Nowhere/Land" in str(raised.value)
    assert "另有设置也有误：BOT_REMIND_DAY" in str(raised.value)


def test_the_token_is_never_shown_and_control_characters_stay_on_one_line(clean_env: Path) -> None:
    error = SettingInvalid("BOT_TZ", "Asia/\nShanghai", "不是已知的时区", "BOT_TZ=Asia/Shanghai")
    assert "\n" not in str(error) and "Asia/\\nShanghai" in str(error)


def test_good_values_are_accepted(clean_env: Path) -> None:
    settings = Settings(_env_file=None, admins="1, 2，3", tz="Europe/Berlin", weekly_at="周三 18:30", remind_day=28,
                        webhook_url="https://bot.example.com:8443/hook", webhook_listen="::", webhook_port=65535,
                        api_url="http://127.0.0.1:8081/bot/", invite_days=365, flood_per_minute=100000,
                        policy=SHIPPED_POLICY)
    assert settings.admins == (1, 2, 3) and settings.weekly_schedule == parse_weekly_at("WED 18:30")
    assert Settings(_env_file=None, webhook_listen="localhost", policy="  ").policy is None


def test_a_mangled_policy_is_a_policy_format_error(tmp_path: Path) -> None:
    mangled = tmp_path / "policy.txt"
    mangled.write_text(POLICY_PARTS[0] + "新增济南工匠（人）\t三十" + POLICY_PARTS[2], encoding="utf-8")
    with pytest.raises(PolicyFormatError):
        load_policy(mangled)


@pytest.mark.process
def test_a_bad_setting_in_a_real_process_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """Three real processes: the one line reaches a terminal with no logging or traceback around it."""
    for argv, setting, value in ((["run"], "BOT_TZ", "Mars/Olympus"), (["ask", "你好"], "BOT_ADMINS", "root"),
                                 (["console"], "BOT_CONSOLE_DB", str(tmp_path / "binary"))):
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        env.update(_bad_env(tmp_path, setting, value))
        done = subprocess.run([sys.executable, str(MAIN), *argv], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
        assert done.returncode == 2, done.stderr
        _assert_one_line(done.stderr, setting, value)
        assert done.stdout == ""


def test_main_run_without_a_token_names_a_command_that_works(clean_env: Path, capsys: pytest.CaptureFixture) -> None:
    assert main.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "make run" in err and "python main.py console" not in err and "Traceback" not in err
    assert not (clean_env / "data").exists()  # nothing is created for a bot that cannot start
