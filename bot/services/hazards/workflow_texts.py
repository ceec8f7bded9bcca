"""Every sentence the officers' workflow says, in one place for review.

Three audiences, three rules:
- officers of the jurisdiction may read everything, including where a report came from;
- the enterprise (its managers) reads what it must fix, never who reported it, how (named or
  anonymous) or through which channel — the whistleblower rule; ``notifications`` scrubs the
  reporter's name and phone from the hazard description as a second guard;
- the named reporter reads how his report is handled, and how to claim a reward.

The command words in the "how to answer" lines are the ones the chat dialogue understands
(``CMD_*``), so a message and the parser cannot drift apart.
"""

from __future__ import annotations

# --- command words the messages teach (the chat parser imports these) ------------------------
CMD_ACK = "受理"
CMD_REJECT = "不予受理"
CMD_PLAN = "整改"
CMD_PROOF = "提交整改"
CMD_VERIFY = "验收"
CMD_SEND_BACK = "退回"

# --- names ------------------------------------------------------------------------------------
# Short state names for officers and managers (the reporter's status query has its own,
# longer labels in reports.STATE_LABELS).
STATE_NAMES = {
    "submitted": "待受理",
    "acknowledged": "已受理",
    "rectifying": "整改中",
    "awaiting_verification": "待验收",
    "closed": "已销号",
    "rejected": "不予受理",
    "merged": "已合并",
}
STEP_NAMES = {
    "acknowledge": "受理",
    "reject": "不予受理",
    "classify": "定级",
    "deadline": "设定整改期限",
    "supervise": "挂牌督办",
    "plan": "提交五落实方案",
    "proof": "提交整改完成情况",
    "close": "验收销号",
    "send_back": "退回",
    "merge": "合并",
    "penalty": "记录行政处罚",
    "supplement": "补充情况",
}
LEVEL_NAMES = {"general": "一般隐患", "major": "重大事故隐患"}
# What an officer may type for a level (classify accepts the code names too).
LEVEL_WORDS = {
    "general": "general", "一般": "general", "一般隐患": "general",
    "major": "major", "重大": "major", "重大隐患": "major", "重大事故隐患": "major",
}
SOURCE_LABELS = {  # 附件2 检查环节: how the forms name each Hazard.source
    "self_check": "企业自查",
    "joint_inspection": "市县检查",
    "cross_inspection": "交叉检查",
    "provincial": "省级督查",
    "public_report": "群众举报",
    "worker_report": "群众举报",
}
SOURCE_NAMES = {"worker_report": "内部报告（企业职工）", "public_report": "群众举报"}
REWARD_STATUS_NAMES = {"open": "待审批", "approved": "已审批待领取", "paid": "已发放", "refused": "不予奖励"}
UNIT_SUFFIX = "应急管理局"
UNKNOWN_UNIT = "监管部门"

# --- refusals (WorkflowError messages) --------------------------------------------------------
NOT_FOUND = "没有找到编号为 {number} 的隐患，或您无权处理。"
WRONG_STATE = "该隐患当前状态为“{state}”，不能{step}。"
OFFICERS_ONLY = "“{step}”只能由监管部门办理。"
MANAGERS_ONLY = "“{step}”由企业安全负责人提交。"
MANAGERS_ONLY_BOUND = (
    "该企业已绑定安全管理人员，“{step}”应由企业提交；"
    "只有尚未登记或未绑定安全管理人员的企业，才可由监管人员代为填报。"
)
TEXT_REQUIRED = "请写明{what}。"
TEXT_TOO_LONG = "{what}太长了（{length} 字），请精简到 {max} 字以内。"
BAD_LEVEL = "隐患等级只能是“一般”或“重大”。"
SAME_LEVEL = "该隐患已定为“{level}”，判定依据也相同，无需重复定级。"
DEADLINE_PAST = "整改期限不能早于今天（{today}）。"
DEADLINE_TOO_FAR = "整改期限最晚只能定到 {latest}（今天起 {days} 天内），请重新填写。"
PLAN_AFTER_DEADLINE = "方案的整改时限不能晚于监管部门规定的整改期限 {deadline}。"
NOT_MAJOR = "只有重大事故隐患可以挂牌督办，请先定级为“重大”。"
ALREADY_SUPERVISED = "该隐患已由{unit}挂牌督办。"
PLAN_REQUIRED = "请先提交“五落实”整改方案，再提交整改完成情况。"
FUNDS_INVALID = "整改资金应为不小于 0 的金额（万元），最多保留两位小数。"
PROOF_EMPTY = "请说明整改情况，或发送整改后的现场照片。"
PHOTOS_INVALID = "有照片无效或已用过，请重新发送整改照片。"
MERGE_SELF = "不能把隐患合并到它自己。"
MERGE_TARGET_STATE = "编号 {number} 的隐患当前状态为“{state}”，不能作为合并目标。"
MERGE_OTHER_REGION = "只能合并同一县（市、区）的隐患。"
PENALTY_UNREGISTERED = "该企业尚未登记入库，无法记录行政处罚，请先登记企业。"
PENALTY_EMPTY = "请至少填写一项处罚内容（罚款或处罚措施）。"
FINE_INVALID = "罚款金额应为不小于 0 的数字（万元），最多保留两位小数。"
REWARD_NONE = "隐患 {number} 没有举报奖励案件。"
REWARD_WRONG_STATUS = "该举报奖励当前状态为“{status}”，不能{step}。"
REWARD_STEP_APPROVE = "审批"
REWARD_STEP_PAY = "登记发放"

# Field names used in TEXT_REQUIRED / TEXT_TOO_LONG.
WHAT_REJECT_REASON = "不予受理的理由"
WHAT_SEND_BACK_REASON = "退回的理由"
WHAT_BASIS = "判定依据"
WHAT_PERSON = "整改责任人"
WHAT_MEASURES = "整改措施"
WHAT_CONTINGENCY = "应急预案"
WHAT_PROOF_NOTE = "整改情况说明"
WHAT_PENALTY_NOTE = "处罚说明"

# --- to officers (may name the source; never the person — that is reporter_identity's job) ----
NEW_REPORT = (
    "【新隐患报告{major}】{number}\n"
    "企业：{enterprise}（{county}）\n"
    "来源：{source}\n"
    "情况：{summary}\n"
    "照片：{photos} 张{location}\n"
    "{hints}"
    "请于 {ack_due} 前受理。\n"
    "回复“" + CMD_ACK + " {number}”受理（直接回复“" + CMD_ACK + "”即处理本条）；\n"
    "回复“" + CMD_REJECT + " {number} 理由”不予受理。"
)
NEW_REPORT_MAJOR = "·可能重大"
# The likely clauses of the 判定标准 (clause_hints), in a notice and in the answer to "定级 编号".
CLAUSE_HINTS = "可能适用（仅供参考）：\n{lines}\n"
CLAUSE_HINT = "{ref} {text}（回复 定级 {number} 重大 {code}）"
NEW_REPORT_LOCATION = "；位置：{label}"
# Open reports of the same enterprise this one likely repeats (duplicates), with the one-step 合并.
DUPLICATE_HINTS = "可能重复（仅供参考）：\n{lines}\n"
DUPLICATE_HINT = "{other}（{state}）（回复 合并 {number} {other}）"
# A reporter added his text and evidence to an open report instead of filing a new one.
SUPPLEMENTED = (
    "【补充情况】{number}（{enterprise}）收到补充：{summary}\n"
    "照片、录音等附件 {photos} 个，已并入该隐患的证据。"
)
NOTE_SUPPLEMENT = "{how}补充：{text}（附件 {photos} 个）"
SUPPLEMENT_NAMED, SUPPLEMENT_ANONYMOUS = "实名", "匿名"
PLAN_SUBMITTED = (
    "【五落实方案】{number}（{enterprise}）\n"
    "责任人：{person}\n"
    "整改措施：{measures}\n"
    "资金：{funds} 万元\n"
    "整改时限：{deadline}\n"
    "应急预案：{contingency}"
)
NO_NOTE = "（无）"
PROOF_SUBMITTED = (
    "【整改完成待验收】{number}（{enterprise}）\n"
    "企业说明：{note}\n"
    "整改照片：{photos} 张\n"
    "回复“" + CMD_VERIFY + " {number}”验收销号，"
    "或回复“" + CMD_SEND_BACK + " {number} 理由”退回重新整改。"
)

# --- to the enterprise's managers (no reporter, no channel, no 实名/匿名) ----------------------
ASSIGNED = (
    "【隐患整改通知】{number}\n"
    "{unit}核实确认贵企业存在以下隐患，请立即组织整改：\n"
    "企业：{enterprise}\n"
    "隐患：{description}\n"
    "等级：{level}{basis}\n"
    "整改期限：{deadline}\n"
    "请按“五落实”（责任人、整改措施、资金、时限、应急预案）制定整改方案，"
    "回复“" + CMD_PLAN + " {number}”提交；整改完成后回复“" + CMD_PROOF + " {number}”并附现场照片。"
)
BASIS_SUFFIX = "（判定依据：{basis}）"
NO_DEADLINE = "尚未确定，请在整改方案中提出"
REGRADED = "隐患 {number}（{enterprise}）的等级已调整为“{level}”{basis}。"
DEADLINE_SET = "隐患 {number}（{enterprise}）的整改期限定为 {deadline}，请按期完成整改。"
SUPERVISED = (
    "隐患 {number}（{enterprise}）已列为{unit}挂牌督办的重大事故隐患，"
    "请严格落实“五落实”，按期整改销号。"
)
SENT_BACK = (
    "隐患 {number}（{enterprise}）的整改未通过验收，已退回。\n"
    "理由：{reason}\n"
    "请继续整改，完成后回复“" + CMD_PROOF + " {number}”重新提交。"
)
CLOSED_FOR_ENTERPRISE = "隐患 {number}（{enterprise}）已通过验收，予以销号。"
MERGED_FOR_ENTERPRISE = "隐患 {number} 与 {into} 为同一问题，已合并处理，后续以 {into} 为准。"

# --- to the named reporter --------------------------------------------------------------------
# Every notice to the reporter opens with YOUR_REPORT; one who supplemented the hazard (a
# follower) reads YOUR_SUPPLEMENT there instead.
YOUR_REPORT = "您报告的隐患"
YOUR_SUPPLEMENT = "您补充过的隐患"
ACKNOWLEDGED = (
    "您报告的隐患（编号 {number}，{enterprise}）已由{unit}受理，正在核实处理。"
    "回复“查询 {number}”可查看进度。"
)
REJECTED = (
    "您报告的隐患（编号 {number}，{enterprise}）经{unit}审查，不予受理。\n"
    "理由：{reason}\n"
    "如有异议，可拨打安全生产举报投诉电话 12350。"
)
CLOSED_FOR_REPORTER = (
    "您报告的隐患（编号 {number}，{enterprise}）已整改完毕，经{unit}验收销号。"
    "感谢您对安全生产工作的支持！"
)
MERGED_CLOSED_FOR_REPORTER = (
    "您报告的隐患（编号 {number}，{enterprise}）已并入编号 {into} 处理，该隐患已整改完毕，"
    "经{unit}验收销号。感谢您对安全生产工作的支持！"
)
# The steps in between (issue 19): the named reporter follows his report without asking.
GRADED_FOR_REPORTER = (
    "您报告的隐患（编号 {number}，{enterprise}）经{unit}核实，定为{level}，已通知企业整改。\n"
    "整改期限：{deadline}\n"
    "回复“查询 {number}”可查看进度。"
)
REPORTER_NO_DEADLINE = "尚未确定，确定后会告知您"
DEADLINE_FOR_REPORTER = "您报告的隐患（编号 {number}，{enterprise}）整改期限已定为 {deadline}。"
RECTIFIED_FOR_REPORTER = (
    "您报告的隐患（编号 {number}，{enterprise}）企业已报告整改完成，正在等待监管部门验收。"
)
RETURNED_FOR_REPORTER = (
    "您报告的隐患（编号 {number}，{enterprise}）经验收尚未整改到位，已退回企业继续整改。"
)
MERGED_FOR_REPORTER = (
    "您报告的隐患（编号 {number}，{enterprise}）与编号 {into} 的报告为同一问题，已合并处理。"
    "感谢您的报告！"
)
REWARD_OPENED = (
    "您报告的重大事故隐患（编号 {number}）经核查属实，符合《安全生产领域举报奖励办法》"
    "的奖励条件。监管部门审核确定奖励金额后会通知您。\n"
    "领奖须本人凭有效身份证件实名办理，并在收到奖励通知之日起 {claim_days} 日内领取，"
    "逾期视为放弃。您的身份信息将严格保密。"
)
REWARD_APPROVED = (
    "【举报奖励通知】您报告的重大事故隐患（编号 {number}）举报奖励已核定为 {amount} 元。\n"
    "请于 {claim_by} 前（{claim_days} 日内）携带本人有效身份证件到{unit}实名领取，"
    "逾期视为放弃。您的身份信息将严格保密。"
)

# --- event notes and the reward file ----------------------------------------------------------
NOTE_MERGED_INTO = "合并至 {into}"
NOTE_MERGED_FROM = "合并了 {number}"
NOTE_SUPERVISION_LIFTED = "改定为一般隐患，解除挂牌督办（{unit}）"
NOTE_PLAN = "责任人：{person}；资金：{funds} 万元；时限：{deadline}"
NOTE_ON_BEHALF = "代企业填报："
ON_BEHALF_LABEL = "{label}\n（{enterprise}未绑定安全管理人员，由您代企业填报，记入处理记录）"
NOTE_REWARD = "奖励 {amount} 元"
REWARD_BASIS_FINES = "罚款合计 {fines} 万元 × {rate}% = {raw} 元"
REWARD_BASIS_NO_FINE = "未记录罚款"
REWARD_BASIS_MIN = "，按最低 {min} 元"
REWARD_BASIS_MAX = "，按最高 {max} 元"
REWARD_BASIS_RULE = "（安监总财〔2018〕19号）"
PENALTY_FINE_ENTERPRISE = "罚款企业 {amount} 万元"
PENALTY_FINE_PRINCIPAL = "罚款主要负责人 {amount} 万元"
PENALTY_MEASURES = {
    "ordered_rectification": "责令限期整改",
    "suspended": "停产整顿",
    "license_revoked": "暂扣吊销证照",
    "closed_down": "关闭取缔",
    "judicial_transfer": "移送司法",
    "joint_punishment": "联合惩戒",
}
