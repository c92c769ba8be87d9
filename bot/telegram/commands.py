"""The bot's commands and what each does: one list for the Telegram menu and the /help text."""

from __future__ import annotations

PUBLIC_COMMANDS = {
    "start": "开始使用", "help": "使用说明", "measures": "工作措施列表", "measure": "查看某条措施，例如 /measure 8",
    "indicators": "指标体系（基数与各年目标）", "dept": "某部门负责的措施，例如 /dept 市总工会",
    "report": "报送指标数据（联络员）", "mine": "本单位的指标和报送情况（联络员）", "progress": "指标进度",
    "undo": "撤销上一条报送", "join": "使用邀请码成为联络员",
}
ADMIN_COMMANDS = {
    "invite": "邀请联络员，例如 /invite 市总工会 15,16", "liaisons": "联络员列表", "revoke": "撤销联络员",
    "weekly": "本周汇总（/weekly 2026-W47 查看某周）", "export": "导出 XLSX（/export csv 为 CSV）",
    "remind": "提醒未报送的联络员（每期一次；/remind force 再次提醒）",
    "dashboard": "数据看板（网页：进度、明细、完成情况、审核）",
}
