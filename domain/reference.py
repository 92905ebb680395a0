"""Reference data: departments, categories, kinds, ratings and roles (docs/rules.md)."""

DEPARTMENTS = (
    "区政府办公室", "区发改局", "区工信局", "区财政局", "区人社局", "区住建局",
    "区自然资源局", "区交运局", "区农业农村局", "区城乡水务局", "区民政局", "区教体局",
    "区卫健局", "区医保局", "区市场监管局", "区行政审批服务局", "区司法局", "区国资局",
    "区文旅局", "区应急管理局", "区退役军人事务局", "区地方金融监督管理局", "区扶贫办",
    "薛城公安分局", "市生态环境局薛城分局", "薛城供电局",
    "临城街道", "常庄街道", "巨山街道", "沙沟镇", "周营镇", "邹坞镇", "陶庄镇",
)

CATEGORIES = (
    "城乡建设", "交通出行", "生态环境", "教育", "医疗卫生", "社会保障", "就业创业",
    "社会救助", "市场监管", "食品药品", "农业农村", "征地拆迁", "公共安全", "文化体育",
    "营商环境", "政务服务", "其他",
)

# Each category's Open311 service code, fixed for good: clients store them. A category
# added later takes the next free code (domain/categories.py).
# Written out, not derived from the order above, so that reordering moves no code.
CATEGORY_CODES = {
    "城乡建设": "001", "交通出行": "002", "生态环境": "003", "教育": "004", "医疗卫生": "005",
    "社会保障": "006", "就业创业": "007", "社会救助": "008", "市场监管": "009",
    "食品药品": "010", "农业农村": "011", "征地拆迁": "012", "公共安全": "013",
    "文化体育": "014", "营商环境": "015", "政务服务": "016", "其他": "017",
}

KINDS = ("咨询", "建议", "投诉", "求助")

# Five levels of the 好差评 system (国办发〔2019〕51号), best first.
RATINGS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
BAD_RATINGS = frozenset(("不满意", "非常不满意"))
SATISFIED_RATINGS = frozenset(("非常满意", "满意", "基本满意"))

# Where an item came in.
CHANNELS = {"portal": "门户网站", "mailbox": "领导信箱", "hotline": "12345热线",
            "phone": "12345热线电话", "web": "12345网站", "wechat": "12345微信",
            "app": "12345手机App", "email": "12345邮件"}

REJECT_REASONS = {
    "duplicate": "重复留言",
    "out_of_scope": "不属于受理范围",
    "abusive": "含有辱骂、攻击等不当内容",
    "no_content": "无实质内容",
}

ROLES = {
    "admin": "系统管理员",
    "reviewer": "审核员（区政府办公室/政务公开办）",
    "handler": "承办人（责任单位）",
    "operator": "话务员（12345热线）",
    "supervisor": "督办员",
    "opinion": "舆情专班",
}
# Roles that see and act across every department (handlers see their own only).
ALL_DEPARTMENT_ROLES = ("admin", "reviewer", "operator", "supervisor", "opinion")

# --- 12345 hotline ---------------------------------------------------------------------

TICKET_CHANNELS = {"phone": "电话", "web": "网站", "wechat": "微信", "app": "手机App",
                   "email": "邮件"}
TICKET_KINDS = ("咨询", "求助", "投诉", "建议", "举报")
URGENCIES = {"normal": "一般", "urgent": "紧急"}
# The townships and streets an item's `area` names (public; the free-text address is not).
AREAS = ("临城街道", "常庄街道", "巨山街道", "沙沟镇", "周营镇", "邹坞镇", "陶庄镇")
HOTLINE = "12345热线"  # the department named on an answer given during the call

# Actors that are not staff accounts.
CITIZEN = "citizen"
SYSTEM = "system"
