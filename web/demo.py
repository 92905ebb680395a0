"""A realistic sample for `make demo`: comments and hotline tickets across the district.

Time is simulated: each comment is submitted on a past day and walks through its
lifecycle with a clock that moves forward, so deadlines, reply dates and overdue items
look like those of a real office.
"""

import random
from datetime import datetime, timedelta, timezone

from domain.actors import SYSTEM_ACTOR, Actor
from domain.errors import DomainError
from infrastructure.security import hash_password

DEMO_PASSWORD = "minyi-demo-2019"

# category -> (department, [(title, question, reply)])
TOPICS = {
    "城乡建设": ("区住建局", [
        ("{place}小区路灯长期不亮", "{place}小区东门至三号楼之间的路灯已经坏了一个多月，晚上出行很不安全，希望尽快维修。",
         "经现场核查，该路段路灯线路老化，我局已安排维修单位更换线路和灯具，现已恢复照明。"),
        ("老旧小区改造什么时候开始", "请问{place}的老旧小区改造纳入今年计划了吗？外墙保温和雨污分流什么时候施工？",
         "{place}片区已列入本年度老旧小区改造计划，预计下月进场施工，施工方案将在小区公示栏公示。"),
    ]),
    "交通出行": ("区交运局", [
        ("建议增开{place}到高铁站的公交", "{place}居民去高铁站很不方便，早晚高峰打车难，建议增开一条直达公交线路。",
         "感谢您的建议。我局已会同公交公司开展客流调查，拟于明年一季度试运行{place}至高铁站的定制公交。"),
        ("{place}路段坑洼积水", "{place}附近道路有多处坑洼，下雨后积水严重，电动车经过很危险。",
         "我局已安排养护单位对该路段坑槽进行修补，并疏通了两处雨水口。"),
    ]),
    "生态环境": ("市生态环境局薛城分局", [
        ("{place}工地夜间施工噪音扰民", "{place}附近工地每天晚上十一点以后还在施工，噪音很大，严重影响休息。",
         "经查，该工地未办理夜间施工手续，我分局已责令其停止夜间作业并立案调查。"),
        ("{place}河道有异味", "{place}段河道最近水体发黑，有明显异味，怀疑有企业偷排。",
         "我分局已对该河段开展水质监测并排查沿线排污口，发现一处雨污混接已督促整改。"),
    ]),
    "教育": ("区教体局", [
        ("{place}学区划分咨询", "孩子明年上小学，户口在{place}，请问对应哪所学校？需要准备哪些材料？",
         "{place}对应的施教区学校及报名材料已在区教体局网站公布，报名时需提供户口簿、房产证明等材料。"),
        ("建议延长学校课后服务时间", "双职工家庭接孩子困难，建议{place}的学校课后服务延长到六点。",
         "我局将在充分征求家长意见的基础上，指导学校优化课后服务时段安排。"),
    ]),
    "医疗卫生": ("区卫健局", [
        ("{place}社区卫生服务站何时开诊", "听说{place}新建了社区卫生服务站，请问什么时候开诊？能不能办理慢病报销？",
         "该服务站正在进行设备调试，预计本月底开诊，开诊后可办理门诊慢特病相关业务。"),
    ]),
    "社会保障": ("区人社局", [
        ("灵活就业人员养老保险怎么缴纳", "我在{place}做个体，想问灵活就业人员养老保险在哪里办理，缴费档次有哪些？",
         "灵活就业人员可通过线上渠道或到区社保中心窗口办理参保登记，缴费基数可在规定范围内自主选择。"),
    ]),
    "就业创业": ("区人社局", [
        ("创业担保贷款申请条件", "我是返乡创业人员，在{place}开了家小店，想申请创业担保贷款，需要什么条件？",
         "符合条件的返乡创业人员可申请最高20万元创业担保贷款，具体条件和申请流程请咨询区就业服务中心。"),
    ]),
    "社会救助": ("区民政局", [
        ("困难家庭临时救助咨询", "{place}有一户家庭因病致困，请问能否申请临时救助，流程是什么？",
         "可由本人或代理人向所在镇街提出申请，镇街受理后入户调查，符合条件的按规定给予临时救助。"),
    ]),
    "市场监管": ("区市场监管局", [
        ("{place}超市价格标签与结算不一致", "在{place}一家超市购物，货架标价和收银结算价格不一致，多收了钱。",
         "我局已对该超市进行检查，责令其整改价格标签管理，并依法处理，已协调退还多收款项。"),
    ]),
    "食品药品": ("区市场监管局", [
        ("{place}餐馆卫生条件差", "{place}附近一家餐馆后厨卫生很差，担心食品安全问题。",
         "执法人员已对该餐馆开展检查，责令立即整改后厨卫生问题，并将持续跟踪复查。"),
    ]),
    "农业农村": ("区农业农村局", [
        ("{place}农田灌溉渠道堵塞", "{place}村的灌溉渠道淤堵严重，春灌在即，请帮忙协调清淤。",
         "我局已会同镇政府组织清淤，目前主要渠段已疏通，可满足春灌需要。"),
    ]),
    "征地拆迁": ("区自然资源局", [
        ("{place}征地补偿标准咨询", "{place}涉及征地，请问补偿标准依据什么文件？在哪里可以查询？",
         "征地补偿标准按照省政府公布的区片综合地价执行，相关文件可在区政府网站政府信息公开栏目查询。"),
    ]),
    "公共安全": ("薛城公安分局", [
        ("{place}路口建议加装监控", "{place}路口车流量大，经常发生剐蹭，建议加装监控和减速带。",
         "分局已会同交通管理部门实地勘察，计划在该路口增设监控设备和减速设施。"),
    ]),
    "文化体育": ("区文旅局", [
        ("希望{place}建设健身广场", "{place}周边居民多但缺少健身场地，希望能建设一处健身广场。",
         "我局已将该建议纳入全民健身设施补短板项目库，将结合用地情况统筹推进。"),
    ]),
    "营商环境": ("区行政审批服务局", [
        ("企业开办能否一次办结", "在{place}开办公司，跑了好几个窗口，能不能一次办好？",
         "我区已实行企业开办一窗通办，营业执照、印章、发票和社保登记可一次办结，最快一个工作日。"),
    ]),
    "政务服务": ("区行政审批服务局", [
        ("政务服务中心周末能否办理业务", "上班族工作日请假不便，请问政务服务中心周末能办理业务吗？",
         "区政务服务中心已推行周末延时服务，周六上午可办理社保、不动产登记等高频事项。"),
    ]),
    "其他": ("临城街道", [
        ("{place}楼道堆放杂物", "{place}楼道长期堆放杂物，存在消防隐患，物业不管。",
         "街道已联合社区和物业对楼道杂物进行清理，并建立定期巡查机制。"),
    ]),
}

PLACES = ("临城街道", "常庄街道", "巨山街道", "沙沟镇", "周营镇", "邹坞镇", "陶庄镇",
          "永福路", "泰山路", "武夷山路", "黄河路", "燕山路")
NAMES = ("张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴")
KIND_BY_TITLE = (("咨询", ("咨询", "什么时候", "怎么", "能否", "能不能", "何时", "申请条件")),
                 ("建议", ("建议", "希望")), ("求助", ("求助", "救助", "帮忙")))


def _kind(title: str) -> str:
    for kind, words in KIND_BY_TITLE:
        if any(w in title for w in words):
            return kind
    return "投诉"


class _Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def ensure_demo_staff(rt) -> dict:
    """Demo accounts: an admin, a reviewer and one handler per department used."""
    app = rt.app
    accounts = {"admin": (["admin"], None, "系统管理员"),
                "reviewer": (["reviewer"], None, "区政府办公室审核员"),
                "operator": (["operator"], None, "12345热线话务员"),
                "supervisor": (["supervisor"], None, "区政府督查室督办员")}
    for i, dept in enumerate(sorted({v[0] for v in TOPICS.values()}), start=1):
        accounts[f"handler{i:02d}"] = (["handler"], dept, f"{dept}承办人")
    created = {}
    password_hash = hash_password(DEMO_PASSWORD)
    for username, (roles, dept, display) in accounts.items():
        try:
            app.get_staff(username)
        except DomainError:
            app.register_staff(username=username, display_name=display, password_hash=password_hash,
                               roles=roles, department=dept, actor=SYSTEM_ACTOR)
        created[username] = dept
    return created


def load_demo(rt, count: int = 300, seed: int = 2019, days: int = 120) -> dict:
    """Submit `count` comments and half as many hotline calls over the last `days` days and
    walk most through to a reply."""
    from .tickets.demo import one_ticket

    rng = random.Random(seed)
    app = rt.app
    accounts = ensure_demo_staff(rt)
    handler_of = {dept: Actor(u, ("handler",), dept) for u, dept in accounts.items() if dept}
    reviewer = Actor("reviewer", ("reviewer",), None, "区政府办公室审核员")
    real_clock, clock = app.clock, _Clock(datetime.now(timezone.utc))
    app.clock = clock
    stats = {"submitted": 0, "replied": 0, "rejected": 0, "in_progress": 0, "rated": 0}
    try:
        start = real_clock() - timedelta(days=days)
        for i in range(count):
            clock.now = start + timedelta(minutes=rng.randint(0, days * 24 * 60))
            outcome = _one(app, rng, clock, reviewer, handler_of, real_clock())
            stats["submitted"] += 1
            stats[outcome] = stats.get(outcome, 0) + 1
        tickets = stats["tickets"] = {}
        for i in range(count // 2):
            clock.now = start + timedelta(minutes=rng.randint(0, days * 24 * 60))
            outcome = one_ticket(app, rng, clock, handler_of, TOPICS, PLACES, NAMES,
                                 real_clock())
            tickets[outcome] = tickets.get(outcome, 0) + 1
        from .consultations.demo import load_consultations  # 重大决策预公开
        stats["consultations"] = load_consultations(app, rng, clock, real_clock(), handler_of)
    finally:
        app.clock = real_clock
    rt.catch_up_all()
    stats["password"] = DEMO_PASSWORD
    return stats


def _one(app, rng, clock, reviewer, handler_of, now_real) -> str:
    category = rng.choice(list(TOPICS))
    dept, variants = TOPICS[category]
    title_t, question_t, reply_t = rng.choice(variants)
    place = rng.choice(PLACES)
    title, question = title_t.format(place=place), question_t.format(place=place)
    created = app.submit_comment(
        title=title, content=question, kind=_kind(title), category=category,
        department=dept if rng.random() < 0.3 else None,
        name=rng.choice(NAMES) + rng.choice(("先生", "女士")),
        phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        publish=rng.random() > 0.1)
    no = created["tracking_no"]

    def step(hours: float) -> bool:
        clock.now += timedelta(hours=hours)
        return clock.now < now_real

    if not step(rng.uniform(1, 30)):
        return "in_progress"
    if rng.random() < 0.05:
        app.act("comments", no, "reject", reviewer, reason="duplicate", note="与已受理留言重复")
        return "rejected"
    app.act("comments", no, "accept", reviewer)
    if not step(rng.uniform(0.5, 8)):
        return "in_progress"
    app.act("comments", no, "dispatch", reviewer, department=dept)
    handler = handler_of[dept]
    # Some departments are slow: the item stays open, and may run overdue.
    if rng.random() < 0.15 or not step(rng.uniform(24, 24 * 14)):
        return "in_progress"
    app.act("comments", no, "draft", handler, content=reply_t.format(place=place))
    if not step(rng.uniform(2, 48)):
        return "in_progress"
    app.act("comments", no, "approve", reviewer)
    if rng.random() < 0.05:
        app.act("comments", no, "withhold", reviewer, reason="涉及个人隐私，不宜公开")
    if rng.random() < 0.6 and step(rng.uniform(2, 72)):
        level = rng.choices(("非常满意", "满意", "基本满意", "不满意", "非常不满意"),
                            weights=(40, 30, 15, 10, 5))[0]
        app.rate_reply(no, created["query_code"], level)
        return "rated"
    return "replied"
