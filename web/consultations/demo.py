"""Major decisions for `make demo`: a catalogue with a consultation in every status —
planned, not yet open, open, closed awaiting answers, awaiting review, and one with its
adoption, a meeting and the decision published — walked with the demo's simulated clock."""

from datetime import timedelta

from domain.actors import Actor

ADMIN = Actor("admin", ("admin",), None, "系统管理员")
REVIEWER = Actor("reviewer", ("reviewer",), None, "区政府办公室审核员")

# (title, department, participation, description, opinions the public might give)
DECISIONS = (
    ("城镇老旧小区改造三年行动方案（2027—2029年）", "区住建局", ["online", "symposium"],
     "涉及全区 120 余个老旧小区的改造范围、资金分担和居民参与。",
     ("建议优先改造没有电梯的六层住宅，老人上下楼太难。", "改造资金分担比例应当提前公示。",
      "施工期间请合理安排时间，避免夜间施工扰民。", "希望同步增加小区停车位和充电桩。",
      "建议成立居民监督小组参与验收。")),
    ("中心城区公共停车收费标准调整方案", "区交运局", ["online", "hearing"],
     "调整中心城区路内停车和公共停车场收费标准，实行差别化收费。",
     ("建议首小时免费，方便群众办事。", "学校周边接送时段应免费停车。",
      "收费标准上调幅度过大，建议分步实施。", "夜间路内停车应当免费。")),
    ("区级养老服务设施布局规划", "区民政局", ["online", "survey"],
     "到 2030 年每个镇街建成一处综合养老服务中心。",
     ("建议养老服务中心配备医务室。", "农村地区也要布点，不能只建在城区。",
      "希望提供助餐服务。")),
    ("义务教育学校招生划片调整方案", "区教体局", ["online", "hearing", "symposium"],
     "根据新建小区和学位供给调整部分学校的招生片区。",
     ("新建小区的孩子应当就近入学。", "调整前请给家长留足准备时间。")),
    ("农村人居环境整治提升五年行动实施方案", "区农业农村局", ["online"],
     "农村生活垃圾、污水治理和村容村貌提升。",
     ("建议每个村配备专职保洁员。", "污水管网要和改厕同步推进。")),
    ("全民健身设施补短板工程实施方案", "区教体局", ["symposium"],
     "新建和改造一批社区健身设施（座谈会征求意见，不在网上征集）。", ()),
)


def _owner(handler_of: dict, department: str) -> Actor:
    return handler_of.get(department) or ADMIN


def load_consultations(app, rng, clock, now_real, handler_of: dict) -> dict:
    """Create the sample catalogue with the simulated `clock`; returns status -> count."""
    tz, made = app.tz, {}

    def at(days_ago: float):
        clock.now = now_real - timedelta(days=days_ago)

    def listed(i):
        title, department, participation, description, _ = DECISIONS[i]
        at(90)
        year = now_real.astimezone(tz).year
        return app.list_consultation(ADMIN, year=year, title=title, department=department,
                                     planned_on=(now_real + timedelta(days=60 + 10 * i))
                                     .astimezone(tz).date(),
                                     participation=participation,
                                     description=description).consultation_no

    def publish(no, owner, opens_days_ago: int, length: int = 30):
        """The draft published the day it opens (or 3 days before, if it opens later)."""
        at(max(opens_days_ago, 0) if opens_days_ago >= 0 else 0)
        opens = (now_real - timedelta(days=opens_days_ago)).astimezone(tz).date()
        app.act("consultations", no, "publish_draft", owner,
                draft="（草案）第一条 为……制定本方案。\n第二条 ……\n第三条 ……",
                basis="起草说明：根据上级部署和本区实际起草。依据：《重大行政决策程序暂行条例》等。",
                opens_on=opens.isoformat(), closes_on=(opens + timedelta(days=length - 1))
                .isoformat())

    def opinions(no, i, opened_days_ago: int, span: int):
        receipts = []
        for text in DECISIONS[i][4]:
            at(opened_days_ago - rng.uniform(0, span - 1))
            name = rng.choice(("张", "王", "李", "刘", "陈")) + rng.choice(("先生", "女士"))
            receipts.append(app.submit_opinion(
                no, content=text, name=name,
                phone=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                publish=rng.random() > 0.2))
        return receipts

    def answer_all(no, owner, receipts):
        for k, receipt in enumerate(receipts):
            adoption = ("adopted", "partly", "not_adopted")[k % 3]
            reason = {"adopted": "在方案相应条款中补充。",
                      "partly": "原则采纳，具体标准在实施细则中明确。",
                      "not_adopted": "超出本方案调整范围，已转有关部门研究。"}[adoption]
            app.act("consultations", no, "answer", owner, opinion_no=receipt["opinion_no"],
                    adoption=adoption, reason=reason)

    # 1. adoption published, with a meeting and the decision: opened 70 days ago
    no = listed(0)
    owner = _owner(handler_of, DECISIONS[0][1])
    publish(no, owner, 70)
    receipts = opinions(no, 0, 70, 30)
    at(38)
    app.act("consultations", no, "record_meeting", owner, title="老旧小区改造方案座谈会",
            held_on=(now_real - timedelta(days=38)).astimezone(tz).date().isoformat(),
            attendees="市民代表 4 名、人大代表 1 名、专家 2 名",
            decisions="原则同意方案，按与会意见修改资金分担和居民监督条款。")
    app.act("consultations", no, "add_representative_opinion", owner, meeting_no=1,
            representative="市民代表甲", content="建议明确居民出资上限。")
    app.act("consultations", no, "answer", owner, opinion_no="M1-1", adoption="adopted",
            reason="已在第十二条明确居民出资上限。")
    answer_all(no, owner, receipts)
    at(35)
    app.act("consultations", no, "submit_summary", owner,
            summary=f"征求意见期间共收到网民意见 {len(receipts)} 条，座谈会列席代表意见 1 条，"
                    "承办部门逐条研究并作出答复。")
    app.act("consultations", no, "approve", REVIEWER)
    at(20)
    app.act("consultations", no, "record_decision", owner,
            decision="经区政府常务会议审议通过，印发实施（薛政办发〔示例〕1号）。",
            decided_on=(now_real - timedelta(days=20)).astimezone(tz).date().isoformat())
    made["published"] = 1

    # 2. closed, summary submitted, awaiting the reviewer: opened 45 days ago
    no = listed(1)
    owner = _owner(handler_of, DECISIONS[1][1])
    publish(no, owner, 45)
    receipts = opinions(no, 1, 45, 30)
    at(10)
    answer_all(no, owner, receipts)
    app.act("consultations", no, "submit_summary", owner,
            summary=f"共收到意见 {len(receipts)} 条，均已逐条答复。")
    made["reviewing"] = 1

    # 3. closed, answers under way: opened 35 days ago
    no = listed(2)
    owner = _owner(handler_of, DECISIONS[2][1])
    publish(no, owner, 35)
    receipts = opinions(no, 2, 35, 30)
    at(2)
    answer_all(no, owner, receipts[:1])
    made["closed"] = 1

    # 4. open now: opened 10 days ago
    no = listed(3)
    publish(no, _owner(handler_of, DECISIONS[3][1]), 10)
    opinions(no, 3, 10, 10)
    made["open"] = 1

    # 5. published draft, opens in 5 days
    no = listed(4)
    at(0)
    opens = (now_real + timedelta(days=5)).astimezone(tz).date()
    app.act("consultations", no, "publish_draft", _owner(handler_of, DECISIONS[4][1]),
            draft="（草案）……", basis="起草说明：……", opens_on=opens.isoformat(),
            closes_on=(opens + timedelta(days=29)).isoformat())
    made["upcoming"] = 1

    # 6. in the catalogue only (a symposium, no online consultation)
    listed(5)
    made["planned"] = 1
    clock.now = now_real
    return made
