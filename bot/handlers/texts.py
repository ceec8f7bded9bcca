"""Every sentence the bot says in the reporting dialogue, in one place for review."""

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
EXPIRED = "上一次报告超过 {minutes} 分钟没有继续，已自动结束，已发送的照片不会保存。"
NO_ENTERPRISE_MATCH = (
    "登记库中没有找到“{typed}”。\n"
    "回复 0 按未登记企业“{typed}”继续报告，或重新输入企业名称。"
)
ENTERPRISE_CHOICES = "找到以下企业，请回复序号：\n{lines}\n0. 都不是，按未登记企业“{typed}”报告"
NAME_TOO_LONG = "企业名称太长了，请输入 50 字以内的名称或关键字。"
ASK_COUNTY = "请告诉我这家企业所在的县（市、区），例如：小店区、孝义市。"
NO_COUNTY_MATCH = "没有找到“{typed}”。请输入山西省内的县（市、区）名称，例如：小店区、孝义市。"
COUNTY_CHOICES = "找到以下县（市、区），请回复序号：\n{lines}"
CHOOSE_NUMBER = "请回复列表中的序号（{low}–{high}），或重新输入名称。"
ASK_DESCRIPTION = "已选择：{enterprise}\n第 2 步：请描述隐患情况：在哪个车间或部位、有什么问题。"
PHOTO_BEFORE_DESCRIPTION = "已收到照片。请再用文字描述隐患情况。"
ASK_PHOTOS = (
    "第 3 步：请发送现场照片（最多 {max} 张）。\n"
    "发完后回复“好了”；没有照片请回复“跳过”。"
)
PHOTO_RECEIVED = "已收到第 {n} 张照片。可以继续发送，发完后回复“好了”。"
PHOTO_LIMIT_REACHED = "已收到第 {n} 张照片，已达到 {max} 张上限。请回复“好了”继续。"
PHOTO_OVER_LIMIT = "最多只能发送 {max} 张照片，这张没有保存。请回复“好了”继续。"
PHOTOS_EXPECTED = "请发送照片，或回复“好了”（已发完）/“跳过”（没有照片）继续。"
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
    "回复“确认”提交，回复“取消”放弃。"
)
CONFIRM_EXPECTED = "请回复“确认”提交，或回复“取消”放弃。"
SUBMITTED = (
    "提交成功，谢谢您！\n编号：{number}\n"
    "我们会尽快转交属地监管部门核实处理。回复“查询 {number}”可查看进度。"
)
SUBMITTED_ANONYMOUS = (
    "提交成功，谢谢您！\n编号：{number}\n查询码：{code}\n"
    "查询码只显示这一次，请截图保存。查看进度请回复“查询 {number} {code}”。"
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
OFFICER_VISIT = (
    "已记录您到达 {enterprise}（{at}）。\n"
    "检查清单功能即将上线；发现隐患可回复“举报”代为登记。"
)
