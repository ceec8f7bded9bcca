"""What the inspection dialogue says (Chinese UI text)."""

from __future__ import annotations

USAGE = "请回复“检查 企业名称”开始检查，或在现场扫描企业的二维码。"
NO_MATCH = "登记库中没有找到“{typed}”。请重新回复“检查 企业名称”。"
CHOICES = "找到以下企业，请回复序号开始检查：\n{lines}"
CHOOSE = "请回复列表中的序号（1–{high}），或回复“检查 企业名称”重新查找。"
STARTED = "【{stage}】{enterprise}\n适用检查项 {total} 项，逐项回复即可；随时回复“取消”暂停，记录会保存。\n\n"
RESUMED = "【{stage}】{enterprise}\n继续检查：已完成 {answered}/{total} 项，已登记隐患 {findings} 条。\n\n"
ITEM = (
    "第 {index}/{total} 项{major}\n{text}{unverified}\n{focus}判定依据：{basis}\n{recorded}"
    "回复：1 合格　2 有隐患　3 不适用　跳过　返回（上一项）\n"
    "补充（记录清单外隐患）　完成（结束检查）"
)
MAJOR_MARK = "【重大隐患判定项】"
UNVERIFIED = "（条文待核对）"
FOCUS = "检查要点：{focus}\n"
RECORDED = "（已记录：{result}）\n"
ANSWER_EXPECTED = "没有看懂这个回复。"
FIRST_ITEM = "已经是第一项。"
ASK_DESCRIPTION = "请描述发现的隐患：具体部位和问题。"
ASK_FREE_DESCRIPTION = "记录清单外隐患：请描述具体部位和问题。"
ASK_PHOTOS = "请发送现场照片作为证据（最多 {max} 张），发完回复“好了”；没有照片回复“跳过”。"
ASK_LEVEL = (
    "这条清单外隐患的等级：回复“一般”或“重大”，可加判定依据（如“重大 4.4”或“一般 条款名称”）；"
    "暂不能确定请回复“跳过”，检查结束后再定级。"
)
LEVEL_EXPECTED = "请回复“一般”或“重大”（可加判定依据），或“跳过”稍后定级。"
FINDING_RECORDED = "已登记隐患 {number}（{level}）{then}。\n\n"
FINDING_RECTIFYING = "，已定级，转入整改"
FINDING_UNGRADED = "待定级"
FINDING_UNGRADED_OFFICER = "，检查结束后请定级"
FINDING_UNGRADED_MANAGER = "，由属地监管部门定级"
ALL_ANSWERED = (
    "所有检查项均已记录（已登记隐患 {findings} 条）。\n"
    "回复“完成”结束检查并生成隐患清单，“补充”记录清单外隐患，“返回”修改最后一项。"
)
CONFIRM_FINISH = "还有 {left} 项未检查。确认结束本次检查？回复“确认”结束，回复“返回”继续检查。"
FINISHED = (
    "【{stage}】{enterprise} 检查已结束。\n{summary}\n"
    "检查问题隐患清单（附件5）：\nExcel：{xlsx}\nPDF：{pdf}\n"
    "{next_steps}"
)
# The end of a walk: what went straight to 整改 (graded by its item), what still awaits 定级.
NEXT_RECTIFYING_OFFICER = (
    "已按检查项定级、转企业整改（已向企业负责人发出整改通知）：{numbers}。\n"
    "可回复“限期 编号 日期”设定整改期限，重大隐患可回复“督办 编号”挂牌督办。"
)
NO_MANAGER = "（该企业尚未绑定安全负责人，整改通知未能发出；负责人绑定后可在“待办”中看到。）\n"
NEXT_UNGRADED_OFFICER = "清单外发现、尚未定级的隐患，请逐条回复（可加判定依据）：\n{commands}"
GRADE_COMMAND = "定级 {number} 重大|一般"
NEXT_RECTIFYING_MANAGER = (
    "已列入本企业整改：{numbers}。\n"
    "请逐条回复“整改 编号”提交五落实整改方案，整改完成后回复“提交整改 编号”上传照片。"
)
NEXT_UNGRADED_MANAGER = "清单外发现、待属地监管部门定级：{numbers}。"
NEXT_MANAGER_REPORTED = "自查发现的隐患已报属地监管部门。"
LISTED = 10  # numbers named in the summary; the rest are counted
MORE = "等 {n} 条"
MORE_COMMANDS = "……另有 {n} 条，编号见上面的隐患清单。"
PAUSED = "已暂停检查，记录已保存。回复“检查”继续。"
ENDED_ELSEWHERE = "本次检查已经结束（可能已由其他检查人员结束）。"
BUSY = "您正在填报其他内容，请先完成或回复“取消”。"
EXPIRED = "检查超过 {minutes} 分钟没有继续，已暂停，已记录的检查项都已保存，回复“检查”继续。"
VISIT_OFFER = "回复“检查”开始{stage}（逐项检查本企业适用的检查清单）。"
VISIT_JOIN = "本企业有进行中的{stage}（{progress}），回复“检查”加入。"
MANAGER_OFFER = "\n（您是本企业负责人：回复“自查”开始企业自查。）"
