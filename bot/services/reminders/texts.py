"""Every sentence the reminders say, in one place for review."""

from __future__ import annotations

from bot.services.hazards import workflow_texts as WT

T_NUDGE = (
    "【整改期限提醒】隐患{number}（{enterprise}）整改期限为{deadline}，{left}。"
    "请按期完成整改，并回复“" + WT.CMD_PROOF + " {number}”提交整改情况。"
)
T_LEFT = {3: "还有3天", 1: "明天到期", 0: "今天到期"}
T_LEFT_N = "还有{n}天"
T_OVERDUE = (
    "【整改逾期】隐患{number}（{enterprise}）整改期限{deadline}已过，已逾期{days}天。"
    "请立即整改并提交整改情况，逾期将上报监管部门。"
)
T_ESCALATE = (
    "【整改逾期升级】隐患{number}（{enterprise}，{level}）整改期限{deadline}，"
    "已逾期{days}天仍未完成整改，请督办。"
)
T_ACK_OVERDUE = (
    "【受理超时】隐患报告{number}（{enterprise}）已超过受理时限（{due}）仍未受理，"
    "请尽快处理（回复“受理 {number}”）。"
)
T_ACK_ESCALATE = (
    "【受理超时升级】隐患报告{number}（{enterprise}）受理时限{due}，"
    "已超过{hours}小时仍未受理，请督促辖区处理。"
)
T_WEEKLY = (
    "【周调度统计表】请于{due}前报送本周《周调度统计表》。\n"
    "以下为本辖区统计草稿（截至{at}）：\n{campaigns}\n整改逾期隐患：{overdue}项\n"
    "核对无误后回复“周报 确认”报送（报送后数据固定、不能再改）。"
)
T_WEEKLY_CAMPAIGN = (
    "{name}（{week}，累计）：检查企业{enterprises}家；一般隐患{general_found}项、已整改{general_fixed}项；"
    "重大隐患{major_found}项、已整改{major_fixed}项"
)
T_WEEKLY_LINK = "\n下载本辖区统计表（{hours}小时内有效）：{url}"
T_WEEKLY_OVERDUE = (
    "【周调度统计表逾期】{name}{week}的《周调度统计表》应于{due}前报送，"
    "{region}尚未确认报送，请尽快核对并确认报送。"
)
T_CAMPAIGN = "【专项行动进展】请于本月{day}日前报送{month}月专项整治行动进展情况。"
T_INSPECTION_Q = (
    "【主要负责人检查提醒】请{enterprise}主要负责人于本季度内组织开展安全生产检查，"
    "并如实记录检查情况。"
)
T_INSPECTION_M = (
    "【主要负责人检查提醒】{enterprise}属金属冶炼企业，请主要负责人于本月内组织开展"
    "安全生产检查，并如实记录检查情况。"
)
