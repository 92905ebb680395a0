"""Open311 services: one per category, under a code that never changes.

The codes of the reference categories are written out (domain/reference.py
CATEGORY_CODES): clients store them, so reordering the reference data must not move a
code. A category an admin adds gets the next free code (domain/categories.py); a retired
one is no longer listed nor accepted for new requests, and keeps its code unused.
"""

from domain.reference import KINDS

from ..extensions import runtime

# code -> (category, group, keywords); order = the order services are listed in.
SERVICES: dict[str, tuple[str, str, str]] = {
    "001": ("城乡建设", "城市建设与管理", "住房, 物业, 市政设施, 道路, 路灯, 供水, 排水, 城市管理"),
    "002": ("交通出行", "城市建设与管理", "公交, 道路交通, 停车, 出租车, 客运, 交通设施"),
    "003": ("生态环境", "城市建设与管理", "环境污染, 噪音, 空气, 水污染, 垃圾, 绿化"),
    "004": ("教育", "民生保障", "学校, 入学, 幼儿园, 培训, 学生"),
    "005": ("医疗卫生", "民生保障", "医院, 医疗, 疫苗, 卫生, 医保"),
    "006": ("社会保障", "民生保障", "社保, 养老保险, 医疗保险, 养老, 退休"),
    "007": ("就业创业", "民生保障", "就业, 创业, 招聘, 工资, 劳动"),
    "008": ("社会救助", "民生保障", "低保, 救助, 困难群众, 残疾人, 特困"),
    "009": ("市场监管", "市场与安全", "消费维权, 价格, 商户, 计量, 质量"),
    "010": ("食品药品", "市场与安全", "食品安全, 药品, 餐饮, 保健品"),
    "011": ("农业农村", "农业农村", "农业, 农村, 农民, 种植, 养殖, 乡村"),
    "012": ("征地拆迁", "城市建设与管理", "征地, 拆迁, 补偿, 安置"),
    "013": ("公共安全", "市场与安全", "治安, 消防, 安全隐患, 应急"),
    "014": ("文化体育", "文化体育", "文化, 体育, 健身, 图书馆, 文旅"),
    "015": ("营商环境", "经济与政务", "企业, 营商, 审批, 招商, 中小企业"),
    "016": ("政务服务", "经济与政务", "办事, 窗口, 政务服务, 一次办好, 证照"),
    "017": ("其他", "其他", "其他"),
}


# The one attribute every service defines: the kind of the comment (留言类型).
KIND_ATTRIBUTE = "kind"
DEFAULT_KIND = "求助"


_BUILT: list = [None, []]  # (the category listing, the catalogue built from it)


def catalogue() -> list[dict]:
    """Every service, retired ones included: code, name, group, keywords, active. Built
    again only when the category listing changes (listing a page of requests asks per row)."""
    listing = runtime().app.category_listing()
    if _BUILT[0] is listing:
        return _BUILT[1]
    out = []
    for c in listing:
        _, group, keywords = SERVICES.get(c["code"], (None, c["group"] or "其他", c["name"]))
        out.append({"code": c["code"], "name": c["name"], "group": group,
                    "keywords": keywords, "active": c["active"]})
    _BUILT[:] = [listing, out]
    return out


def service_code(category: str) -> str | None:
    return next((s["code"] for s in catalogue() if s["name"] == category), None)


def known_code(code: str) -> bool:
    return any(s["code"] == code for s in catalogue())


def category_of(code: str) -> str | None:
    """The category a new request under `code` is filed in (None: unknown or retired)."""
    return next((s["name"] for s in catalogue() if s["code"] == code and s["active"]), None)


def service_list() -> list[dict]:
    return [{"service_code": s["code"], "service_name": s["name"],
             "description": f"就{s['name']}方面的问题向区政府咨询、提出建议、投诉或求助。",
             "metadata": True, "type": "realtime", "keywords": s["keywords"],
             "group": s["group"]} for s in catalogue() if s["active"]]


def service_definition(code: str) -> dict:
    return {"service_code": code, "attributes": [{
        "variable": True, "code": KIND_ATTRIBUTE, "datatype": "singlevaluelist",
        "required": False, "datatype_description": f"从列表中选择一项；不填时按“{DEFAULT_KIND}”处理",
        "order": 1, "description": "留言类型",
        "values": [{"key": kind, "name": kind} for kind in KINDS]}]}
