"""Every sentence the bot says in the reporting dialogue, in one place for review."""

from bot.services.hazards import workflow_texts
from bot.services.people.roles import ROLE_NAMES

WELCOME = (
    "您好，这里是山西省冶金工贸行业安全隐患报告平台。\n"
    "发现安全隐患，回复“举报”即可报告，可以匿名。"
)
GUIDE = (
    "回复“举报”报告安全隐患（可匿名）；\n"
    "回复“查询 编号 [查询码]”查看办理进度；\n"
    "回复“帮助”查看说明。"
)
HELP = (
    "【使用说明】\n"
    "1. 回复“举报”，按提示说明企业、隐患情况，可发送照片和位置；\n"
    "2. 可选择实名或匿名：实名身份只对监管部门可见并严格保密，核查属实可按规定申请奖励；"
    "匿名报告凭查询码查询进度，但无法发放奖励；\n"
    "3. 提交后获得编号，回复“查询 编号”（匿名加查询码）查看进度；\n"
    "4. 报告过程中随时回复“取消”退出。\n"
    "也可拨打安全生产举报投诉电话 12350。"
)
ASK_ENTERPRISE = "第 1 步：隐患在哪家企业？请输入企业名称（可以只输入关键字）。\n随时回复“取消”退出。"
ALREADY_REPORTING = "您正在报告隐患，请继续当前步骤，或回复“取消”重新开始。"
NOTHING_TO_CANCEL = "当前没有进行中的报告。" + "\n" + GUIDE
CANCELLED = "已取消本次报告，已发送的照片不会保存。需要时回复“举报”重新开始。"
EXPIRED = "上一次报告超过 {span}没有继续，已自动结束，已发送的照片不会保存。"
EXPIRED_FLOW = "上一次填报超过 {span}没有继续，已自动结束，尚未提交的内容不会保存。"
# A draft idle past dialogue.idle_minutes but within dialogue.draft_hours: kept, and offered.
RESUME_OFFER = (
    "您有一份未提交的{what}（{since}前填写，{where}）。\n"
    "回复“继续”接着填写，回复“重新开始”放弃它{again}。"
)
RESUME_OFFER_WHAT = {"report": "隐患报告", "plan": "整改方案", "proof": "整改材料"}
RESUME_AGAIN = {"report": "并重新报告", "plan": "", "proof": ""}
RESUME_EXPECTED = "请先回复“继续”接着填写，或回复“重新开始”放弃未提交的内容。"
RESUMED = "好的，接着填写。\n"
GREETING = "您好！这里是安全隐患报告平台，很高兴为您服务。\n"
NOTHING_IN_PROGRESS = "当前没有进行中的报告或填报，“{text}”无需回复。"
NOT_UNDERSTOOD = "没看懂“{text}”。"
DID_YOU_MEAN = "您是不是想发“{command}”？"
# Refused answers at the description step: why, and what to send instead.
DESCRIPTION_NOT_SKIPPABLE = "隐患描述不能跳过：监管人员要凭它找到并核实隐患。"
DESCRIPTION_NOT_NUMBER = "“{text}”不是隐患描述：这一步需要文字说明，不是选择序号。"
DESCRIPTION_MISSING = "还没有隐患描述，暂时不能{action}。"
DESCRIPTION_TOO_LONG = (
    "您的描述有 {length} 字，超过了 {max} 字的上限，内容已暂存。\n"
    "回复“保留”只保留前 {max} 字（到“…{tail}”为止），或重新发送精简后的描述。"
)
DESCRIPTION_KEPT_PART = "已保留前 {max} 字。\n"
NOT_ACCEPTED_HERE = {
    "image": "这一步不需要照片，这张照片没有保存。",
    "location": "这一步不需要位置，位置没有记录。",
    "number": "这一步不需要序号。",
    "skip": "这一步不能跳过。",
    "confirm": "还没到提交的时候，需要先回答这一步。",
    "done": "这一步还没有完成。",
}
NO_ENTERPRISE_MATCH = (
    "登记库中没有找到“{typed}”。\n"
    "回复 0 按未登记企业“{typed}”继续报告，或重新输入企业名称。"
)
ENTERPRISE_CHOICES = "找到以下企业，请回复序号：\n{lines}\n0. 都不是，按未登记企业“{typed}”报告"
# A location sent before the enterprise is named (nearby.py).
NEARBY_START = "收到您的位置，开始报告安全隐患，可以匿名（随时回复“取消”退出）。\n"
NEARBY_KEPT = "已记录您的位置{label}，作为隐患位置，第 4 步不用再发。\n"
NEARBY_CHOICES = (
    "第 1 步：您附近 3 公里内登记的企业（由近到远）：\n{lines}\n回复序号选择，或直接输入企业名称。"
)
NEARBY_LINE = "{i}. {label} 约 {km:.1f} 公里"
NEARBY_NONE = "第 1 步：附近 3 公里内没有登记的企业，请输入企业名称（可以只输入关键字）。"
NEARBY_OUTSIDE = "这个位置不在山西省内，没有记录。\n"
LOCATION_KEPT = "第 4 步：隐患位置已记录（{where}），不用再发。\n"
NAME_TOO_LONG = "企业名称太长了，请输入 50 字以内的名称或关键字。"
ASK_COUNTY = "请告诉我这家企业所在的县（市、区），例如：小店区、孝义市。"
NO_COUNTY_MATCH = "没有找到“{typed}”。请输入山西省内的县（市、区）名称，例如：小店区、孝义市。"
COUNTY_CHOICES = "找到以下县（市、区），请回复序号：\n{lines}"
CHOOSE_NUMBER = "请回复列表中的序号（{low}–{high}），或重新输入名称。"
ASK_DESCRIPTION = "已选择：{enterprise}\n第 2 步：请描述隐患情况：在哪个车间或部位、有什么问题。"
PHOTO_BEFORE_DESCRIPTION = "已收到照片。请再用文字描述隐患情况。"
# Said once, right after a description that holds a phone number, an ID number, an e-mail
# address or "我叫…/我是…车间的…" (anonymity.has_personal_details); the text is kept as typed.
PERSONAL_DETAILS_NOTICE = (
    "提示：您的描述中含有电话、姓名等个人信息，企业将看不到这些信息，但监管人员可以看到。"
)
ASK_PHOTOS = (
    "第 3 步：请发送现场照片或视频（最多 {max} 件）。\n"
    "发完后回复“好了”；没有照片或视频请回复“跳过”。"
)
PHOTO_RECEIVED = "已收到第 {n} 张照片。可以继续发送，发完后回复“好了”。"
PHOTO_LIMIT_REACHED = "已收到第 {n} 张照片，已达到 {max} 张上限。请回复“好了”继续。"
PHOTO_OVER_LIMIT = "最多只能发送 {max} 张照片，这张没有保存。请回复“好了”继续。"
# A report's photos share their limit with its voice messages and videos ({noun}: 照片和视频…):
# once recordings are among them, the count and the limit are said of them all.
PHOTO_RECEIVED_SHARED = (
    "已收到第 {n} 张照片（{noun}共 {total} 件，最多 {max} 件）。可以继续发送，发完后回复“好了”。"
)
PHOTO_LIMIT_REACHED_SHARED = "已收到第 {n} 张照片，{noun}已达到 {max} 件上限。请回复“好了”继续。"
PHOTO_OVER_LIMIT_SHARED = "{noun}最多 {max} 件，已经发满，这张照片没有保存。请回复“好了”继续。"
PHOTOS_EXPECTED = "请发送照片或视频，或回复“好了”（已发完）/“跳过”（没有照片或视频）继续。"
ASK_LOCATION = (
    "第 4 步：请发送隐患位置：点击输入框旁的“+”，选择“位置”。\n"
    "也可以直接输入地址；不提供请回复“跳过”。"
)
LOCATION_EXPECTED = "请发送位置，或输入地址文字，或回复“跳过”。"
ASK_IDENTITY = (
    "第 5 步：请选择报告方式：\n"
    "1 实名：身份只对监管部门可见，严格保密；核查属实可按规定申请奖励。\n"
    "2 匿名：不留身份信息，凭查询码查询进度；但核查属实也无法发放奖励。\n"
    "请回复 1 或 2。"
)
IDENTITY_EXPECTED = "请回复 1（实名）或 2（匿名）。"
ASK_CONTACT = "请留下姓名和手机号，仅监管部门可见，例如：张三 13800000000"
CONTACT_REQUIRED = "实名报告需要姓名和手机号。如不愿留下，请回复“取消”后重新报告并选择匿名。"
SUMMARY = (
    "请核对：\n"
    "企业：{enterprise}\n"
    "隐患：{description}\n"
    "照片：{photos} 张\n"
    "位置：{location}\n"
    "方式：{identity}\n"
    "重大隐患：{major}\n"
    "回复“确认”提交，回复“取消”放弃。"
)
CONFIRM_EXPECTED = "请回复“确认”提交，或回复“取消”放弃。"
SUBMITTED = (
    "提交成功，谢谢您！\n编号：{number}\n"
    "我们会尽快转交属地监管部门核实处理。回复“查询 {number}”可查看进度。"
)
SUBMITTED_ANONYMOUS = (
    "提交成功，谢谢您！\n编号：{number}\n查询码：{code}\n"
    "查询码只显示这一次，请截图保存。\n"
    "匿名报告不会收到任何办理通知；查看进度请回复“查询 {number} {code}”（查询 编号 查询码）。"
)
QUERY_USAGE = "请按“查询 编号”回复，例如：查询 YH202611240001；匿名报告请加上查询码。"
QUERY_NOT_FOUND = "没有找到该编号，或查询码不正确。匿名报告请回复“查询 编号 查询码”。"
QUERY_RESULT = "编号：{number}\n企业：{enterprise}\n状态：{state}\n提交时间：{reported_at}"
UNSUPPORTED = "暂不支持这种消息。请发送文字、图片或位置。"
NOT_REPORTING_MEDIA = "如需报告隐患，请先回复“举报”。"
BUSY = "系统繁忙，您的消息没有处理成功，请稍后再发一次。"
SCAN_REPORT = "扫码报告安全隐患，可以匿名。\n"
DRAFT_REPLACED = "（之前未提交的报告已放弃。）\n"
SCAN_REVOKED = "此二维码已作废，请扫描现场张贴的最新二维码，或回复“举报”手动选择企业。"
SCAN_UNKNOWN = "无法识别这个二维码。报告隐患请回复“举报”。"
OFFICER_VISIT = "已记录您到达 {enterprise}（{at}）。\n"
OFFICER_VISIT_NO_INSPECTION = "该企业不在您的辖区；发现隐患可回复“举报”代为登记。"

# --- the reporter's own judgement --------------------------------------------------------
ASK_MAJOR = (
    "第 6 步：您认为这可能是重大事故隐患吗？（如可能造成群死群伤、爆炸、钢水或铝水外溢等）\n"
    "1 是\n2 否/不确定\n请回复 1 或 2。"
)
MAJOR_EXPECTED = "请回复 1（可能是重大事故隐患）或 2（否/不确定）。"
MAJOR_LABELS = {True: "可能是重大事故隐患", False: "否/不确定"}

# --- binding and workers -----------------------------------------------------------------
# The role names are one table for chat, console, API and exports (bot/services/people/roles.py).
ROLE_LABELS = ROLE_NAMES
BOUND = "绑定成功：{name}{role}（{scope}）。\n回复“待办”查看待处理事项，回复“帮助”查看命令。"
OFFER_WORKER = "\n如您是该企业员工，回复“我是员工”，您的报告将作为内部报告处理（身份对企业保密）。"
WORKER_DECLARED = "已登记您为“{enterprise}”的员工，您对该企业的报告将作为内部报告处理，身份对企业保密。"
WORKER_NEEDS_SCAN = "请先扫描您所在企业张贴的二维码，再回复“我是员工”。"
# 解绑: asked first, done only on "解绑 确认" (it cannot be undone without a new code).
UNBIND_ASK = (
    "您当前绑定为：{role}。解绑后您将作为公众使用本公众号，办理命令和监管后台将不再可用，"
    "重新绑定须向管理员索取新的绑定码。\n确认解绑请回复“解绑 确认”。"
)
UNBIND_NOTHING = "您当前没有绑定任何身份，无需解绑。"
UNBOUND = "已解除绑定（原身份：{role}）。{handover}您现在作为公众使用本公众号。"
UNBOUND_HANDOVER = "您未办结的事项已转交辖区其他监管人员。"

# --- officers' and managers' commands -----------------------------------------------------
COMMANDS_HELP = (
    "【办理命令】编号可省略，省略时指最近通知您的隐患。\n"
    "受理 编号｜不予受理 编号 理由｜定级 编号 重大/一般 [判定依据]｜限期 编号 日期｜"
    "督办 编号｜验收 编号｜退回 编号 理由｜合并 编号 目标编号｜待办｜举报人 编号｜"
    "处罚 编号 企业罚款=万元 负责人罚款=万元 责令整改 停产整顿 暂扣证照 关闭取缔 移送司法 联合惩戒 备注=…｜"
    "奖励 批准/发放 编号\n"
    "【周报】周报：本周统计表（下载链接）｜周报 部署推进/宣传曝光/存在问题/意见建议 内容：填写文字栏｜"
    "周报 确认：报送本周统计表（报送后数据固定、不能再改）｜周报 进度：各市报送情况（省级）\n"
    "【检查】扫企业二维码后回复“检查”，或回复“检查 企业名称”：按适用的检查清单逐项检查并登记隐患，"
    "结束后发送检查问题隐患清单（附件5）。"
)
MANAGER_HELP = (
    "【企业命令】编号可省略，省略时指最近通知您的隐患。\n"
    "待办：查看本企业待整改的隐患；\n整改 编号：填报整改方案（五落实）；\n"
    "提交整改 编号：上传整改照片，申请验收；\n"
    "自查：按本企业适用的检查清单逐项自查，发现的隐患直接登记。"
)
NOT_BOUND = (
    "“受理”等办理命令仅限已绑定的监管人员和企业安全负责人使用。"
    "如您是监管人员或企业负责人，请回复“绑定 绑定码”（绑定码向管理员索取）。\n\n" + GUIDE
)
MANAGER_ONLY = "“整改”“提交整改”由企业安全负责人使用。"
NEED_NUMBER = "请写上隐患编号，例如：{example}"
CLASSIFY_HOW = "请回复“定级 {number} 重大 [判定依据]”或“定级 {number} 一般”；判定依据可写条款简号，如 4.4。\n"
NO_CLAUSE_HINT = "未能从描述中找到可能适用的判定标准条款，请对照《工贸企业重大事故隐患判定标准》判定。"
USAGE = {
    "acknowledge": "用法：受理 编号",
    "reject": "用法：不予受理 编号 理由",
    "classify": "用法：定级 编号 重大 [判定依据或条款简号如 4.4]，或 定级 编号 一般",
    "deadline": "用法：限期 编号 日期，日期如 2026-12-31、2026/12/31、12月31日",
    "supervise": "用法：督办 编号",
    "verify": "用法：验收 编号",
    "send_back": "用法：退回 编号 理由",
    "merge": "用法：合并 编号 目标编号（把前者并入后者）",
    "pending": "用法：待办",
    "pending_more": "用法：更多（先回复“待办”，再回复“更多”看下一页）",
    "reporter": "用法：举报人 编号",
    "penalty": (
        "用法：处罚 编号 企业罚款=5 负责人罚款=1 停产整顿 备注=…\n"
        "可用：企业罚款、负责人罚款（万元），责令整改、停产整顿、暂扣证照、关闭取缔、移送司法、联合惩戒，备注=…"
    ),
    "reward": "用法：奖励 批准 编号，或 奖励 发放 编号",
    "plan": "用法：整改 编号",
    "proof": "用法：提交整改 编号",
    "bind": "用法：绑定 绑定码",
    "unbind": "用法：解绑，再回复 解绑 确认",
    "weekly": ("用法：周报｜周报 存在问题 内容（部署推进、宣传曝光、存在问题、意见建议）｜"
               "周报 确认｜周报 进度"),
}
DONE = {
    "acknowledge": (
        "已受理 {number}。当前状态：{state}。\n下一步：核实后回复“定级 {number} 重大/一般 [判定依据]”。"
    ),
    "reject": "已不予受理 {number}。当前状态：{state}。",
    "classify": "已定级 {number}：{level}。当前状态：{state}。",
    "deadline": "已设定 {number} 的整改期限：{deadline}。当前状态：{state}。",
    "deadline_with_plan": (
        "已设定 {number} 的整改期限：{officer_deadline}。企业整改方案的完成时限 {deadline} 更早，"
        "两个日期都已保留，提醒按较早的 {deadline} 发送。当前状态：{state}。"
    ),
    "supervise": "已挂牌督办 {number}，督办单位：{unit}。当前状态：{state}。",
    "verify": "已验收销号 {number}。当前状态：{state}。",
    "send_back": "已退回 {number}，企业须继续整改。当前状态：{state}。",
    "merge": "已将 {number} 并入 {into}。当前状态：{state}。",
    "plan": (
        "已提交 {number} 的整改方案（五落实）。当前状态：{state}。\n"
        "整改完成后回复“提交整改 {number}”上传照片。"
    ),
    "proof": "已提交 {number} 的整改材料，等待监管部门验收。当前状态：{state}。",
}
# The services' "请先…" refusals (workflow_texts), in chat naming the command to send.
FIRST_SEND = {
    workflow_texts.NOT_MAJOR: (
        "只有重大事故隐患可以挂牌督办。请先回复“定级 {number} 重大 判定依据”，再回复“督办 {number}”。"
    ),
    workflow_texts.PLAN_REQUIRED: "请先回复“整改 {number}”提交五落实整改方案，再回复“提交整改 {number}”。",
}
PENALTY_RECORDED = "已记录 {number} 的行政处罚：{summary}。"
REWARD_DONE = {"approve": "已批准 {number} 的举报奖励。", "pay": "已登记 {number} 的举报奖励已发放。"}
PENDING_EMPTY = "目前没有待办事项。"
PENDING_LIST = "待办（共 {count} 项，超期的在前，其余按剩余天数）：\n{lines}"
PENDING_MORE = "\n以上为第 {start}–{end} 项，回复“更多”查看后面的 {rest} 项。"
PENDING_END = "\n以上为第 {start}–{end} 项，已全部列出。"
PENDING_NO_MORE = "没有更多待办了。回复“待办”从头查看。"
PENDING_LINE = "{i}. {number} {enterprise}｜{state}｜{waiting}"
REPORTER_ANONYMOUS = "{number} 为匿名报告，没有报告人信息。"
REPORTER_NAMED = "{number} 的报告人：{name} {phone}（{source}）。\n请严格保密。本次查看已记录。"

# --- the manager's 五落实 plan and proof ----------------------------------------------------
FLOW_BUSY = "您正在填报，请继续当前步骤，或回复“取消”退出。"
PLAN_START = "为以下隐患填报整改方案（五落实），共 5 项，随时回复“取消”退出：\n{label}\n\n"
ASK_PLAN_PERSON = "1/5 整改责任人：请输入姓名和职务，例如：王强 炼钢厂厂长"
ASK_PLAN_MEASURES = "2/5 整改措施：请写明具体措施。"
ASK_PLAN_FUNDS = "3/5 整改资金（万元）：请输入数字，例如 2.5"
ASK_PLAN_DEADLINE = "4/5 完成时限：请输入日期，例如 2026-12-31 或 12月31日"
ASK_PLAN_CONTINGENCY = "5/5 应急预案：整改完成前采取的安全防范和应急措施。"
PLAN_LIMIT = "\n（监管部门规定的整改期限：{deadline}，完成时限不能晚于它）"
PLAN_REQUIRED = "此项为五落实必填项。"
PLAN_TOO_SHORT = "太短了，请写具体一些。"
PLAN_TOO_LONG = "太长了，请精简到 {max} 字以内。"
PLAN_PAST_DEADLINE = "完成时限不能早于今天。"
PLAN_SUMMARY = (
    "请核对整改方案（{number}）：\n"
    "责任人：{person}\n措施：{measures}\n资金：{funds} 万元\n时限：{deadline}\n预案：{contingency}\n"
    "回复“确认”提交，回复“取消”放弃。"
)
PROOF_START = (
    "为以下隐患提交整改材料，随时回复“取消”退出：\n{label}\n\n"
    "请发送整改后的现场照片（1–{max} 张），发完后回复“好了”。"
)
PROOF_PHOTOS_EXPECTED = "请发送整改后的现场照片（1–{max} 张），发完后回复“好了”。"
PROOF_PHOTO_REQUIRED = "请至少发送 1 张整改后的现场照片。"
ASK_PROOF_NOTE = "请简要说明整改完成情况。"
PROOF_SUMMARY = (
    "请核对整改材料（{number}）：\n照片：{photos} 张\n说明：{note}\n回复“确认”提交，回复“取消”放弃。"
)
FLOW_CANCELLED = "已取消，尚未提交的内容不会保存。"

# --- 周报: the weekly dispatch table ----------------------------------------------------------
WEEKLY_TABLE = (
    "【周调度统计表】{region} {week}\n{campaign}\n状态：{status}\n"
    "累计：检查企业{enterprises}家，一般隐患{general_found}条（已整改{general_fixed}条），"
    "重大事故隐患{major_found}条（已整改{major_fixed}条）。\n"
    "下载表格（{hours}小时内有效，请勿转发）：\n{url}"
)
WEEKLY_STATUS_DRAFT = "草稿，尚未报送"
WEEKLY_STATUS_CONFIRMED = "已报送（{who} {at} 确认），数据已固定"
WEEKLY_MISSING = "\n尚未填写：{rows}。回复“周报 存在问题 内容”填写。"
WEEKLY_HOW_TO_CONFIRM = "\n核对无误后回复“周报 确认”报送，报送后不能再修改。"
WEEKLY_CONFIRMED = "已报送{region}{week}周调度统计表。"
WEEKLY_TEXT_SAVED = "已保存“{row}”。"
WEEKLY_PROGRESS = "{week}各市周调度统计表报送情况（已报送 {filed}/{total}）：\n{lines}"
