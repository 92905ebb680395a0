"""Search and listing latency with 100,000 published items (`python -m bench --only search`).

A store of hotline tickets answered during the call and published (three events each:
registered, resolved, published), with texts put together from a vocabulary of everyday
complaints so that words are spread as in real listings: a topic word like 停车 is in
about a tenth of the items, a word like 小区 in about half of them. Only the public listing
(and the directory) are projected. Then the listing is read through the WSGI app
(`/api/v1/replies` and the `/replies` page, as a request would be served, without the HTTP
server in front; on PostgreSQL after an ANALYZE, as autovacuum does after a bulk
load) for a mix of plain pages, filters and searches; p50/p95/p99 of the server
time per kind of request and over all of them. Target: p95 under 50 ms.
"""

import random
import tempfile
import time
from datetime import datetime, timedelta, timezone

PLACES = ("永福路", "临城街道", "东门", "人民路", "幸福里小区", "滨江花园", "新华村", "工业园区",
          "实验小学", "中心菜场", "公交总站", "体育公园", "老街", "学府路", "和平新村", "火车站")
TOPICS = (
    ("停车难", "小区停车位严重不足，车辆乱停车堵住消防通道"),
    ("停车场收费", "停车场收费标准不透明，每月停车费上涨"),
    ("路灯不亮", "路灯坏了好几天，晚上出行很不安全"),
    ("路灯维修", "部分路灯损坏一直没有人维修"),
    ("噪音扰民", "夜间施工噪音扰民，影响居民休息"),
    ("垃圾清运", "垃圾桶满了没有及时清运，气味难闻"),
    ("道路积水", "下雨后道路积水严重，行人无法通行"),
    ("占道经营", "商贩占道经营，人行道被堵"),
    ("油烟污染", "餐馆油烟直排，楼上住户无法开窗"),
    ("供暖不热", "冬季供暖温度不达标，室内很冷"),
    ("物业服务", "物业公司服务差，电梯经常故障"),
    ("电梯故障", "电梯多次困人，维保不到位"),
    ("公交线路", "希望增开公交线路，方便上班出行"),
    ("学校招生", "咨询学区划分和入学报名材料"),
    ("医保报销", "异地就医医保报销流程咨询"),
    ("社保缴费", "灵活就业人员社保缴费问题"),
    ("违章建筑", "楼顶违章搭建存在安全隐患"),
    ("绿化养护", "小区绿化带无人养护，杂草丛生"),
    ("自来水水压", "自来水水压不足，高层住户用水困难"),
    ("拖欠工资", "施工单位拖欠农民工工资"),
    ("共享单车", "共享单车乱停乱放堵塞路口"),
    ("井盖破损", "道路井盖破损，存在安全隐患"),
    ("宠物扰民", "邻居饲养犬只夜间吠叫扰民"),
    ("燃气安全", "老旧小区燃气管道老化"),
)
FILLERS = ("请有关部门尽快处理。", "希望尽快解决，谢谢。", "已经反映多次，至今没有答复。",
           "小区居民意见很大。", "请相关部门核实情况。", "影响周边群众正常生活。")
REPLIES = ("经核实，已安排相关单位处理，预计一周内完成。", "您反映的问题已转交属地街道，街道已组织人员现场处置。",
           "感谢您的监督，我局已责令责任单位限期整改。", "经现场核查，相关设施已修复，请继续监督。",
           "您咨询的事项，可携带相关材料到政务服务中心窗口办理。")

# What the bench asks: (label, path). Plain pages, filters, and searches from rare to common.
REQUESTS = (
    ("listing", "/api/v1/replies"),
    ("listing_page_50", "/api/v1/replies?page=50"),
    ("listing_department", "/api/v1/replies?department=区住建局"),
    ("listing_page_html", "/replies"),
    ("search_停车", "/api/v1/replies?q=停车"),
    ("search_路灯不亮", "/api/v1/replies?q=路灯不亮"),
    ("search_噪音扰民", "/api/v1/replies?q=噪音扰民"),
    ("search_rare_井盖", "/api/v1/replies?q=井盖"),
    ("search_common_小区", "/api/v1/replies?q=小区"),
    ("search_sentence", "/api/v1/replies?q=小区门口乱停车堵住消防通道怎么办"),
    ("search_department", "/api/v1/replies?q=停车&department=区住建局"),
    ("search_page_5", "/api/v1/replies?q=路灯&page=5"),
    ("search_page_html", "/replies?q=停车"),
)


def _texts(rng: random.Random) -> tuple[str, str, str]:
    place = rng.choice(PLACES)
    topic, detail = rng.choice(TOPICS)
    title = f"{place}{topic}"
    content = f"{place}{detail}。" + "".join(rng.sample(FILLERS, 2))
    if rng.random() < 0.3:  # a second matter in the same message
        content += rng.choice(TOPICS)[1] + "。"
    return title, content, rng.choice(REPLIES)


def build_store(tmp: str, items: int, database_url: str | None = None):
    """A runtime whose listing holds `items` published tickets; (runtime, seconds)."""
    from domain.reference import CATEGORIES, DEPARTMENTS
    from domain.tickets import Ticket
    from infrastructure.bootstrap import bootstrap
    from infrastructure.config import Settings

    rt = bootstrap(Settings(database_url=database_url or f"sqlite:///{tmp}/m.sqlite",
                            var_dir=tmp, secret_key="bench",
                            redis_url="redis://127.0.0.1:6399/0").with_local_secrets(),
                   poke_enabled=False)
    rt.init_storage()
    rng, start = random.Random(11), datetime(2025, 1, 1, 1, tzinfo=timezone.utc)
    departments = list(DEPARTMENTS)[:30]
    began = time.perf_counter()
    for first in range(0, items, 1000):
        batch = []
        for i in range(first, min(items, first + 1000)):
            at = start + timedelta(minutes=i * 7)
            title, content, reply = _texts(rng)
            due = (at + timedelta(days=18)).date()
            ticket = Ticket.register(
                ticket_no=f"{i:013d}", channel="phone", contact={}, area="临城街道",
                address="", category=rng.choice(CATEGORIES), kind="投诉", urgency="normal",
                title=title, content=content, publish=True, due_date=due,
                due_at=datetime.combine(due, datetime.max.time(), timezone.utc),
                actor="staff:op", at=at)
            ticket.resolve_on_spot(reply=reply, department=rng.choice(departments),
                                   actor="staff:op", at=at + timedelta(minutes=10))
            ticket.publish_reply(title=title, content=content, reply=reply,
                                 actor="staff:rev", at=at + timedelta(hours=2))
            batch.append(ticket)
        rt.app.save(*batch)
    for name in ("directory", "public_replies"):
        rt.updater(name).catch_up()
    if rt.views.dialect == "postgres":  # what autovacuum does after a bulk load
        rt.views.run(["ANALYZE"])
    return rt, time.perf_counter() - began


def _percentile(samples: list[float], fraction: float) -> float:
    return round(samples[min(len(samples) - 1, int(len(samples) * fraction))], 2)


def measure(rt, rounds: int = 40) -> dict:
    """Server time of each request `rounds` times (after one warm-up each), in ms."""
    from web import create_app

    client = create_app({}, runtime=rt).test_client()
    out, every = {}, []
    for label, path in REQUESTS:
        response = client.get(path)  # warm-up: caches, the dictionary, query plans
        assert response.status_code == 200, (path, response.status_code)
        total = response.get_json()["total"] if path.startswith("/api") else None
        samples = []
        for _ in range(rounds):
            began = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        samples.sort()
        every += samples
        out[label] = {"p50_ms": _percentile(samples, 0.5), "p95_ms": _percentile(samples, 0.95),
                      "p99_ms": _percentile(samples, 0.99), "found": total}
    every.sort()
    out["all"] = {"requests": len(every), "p50_ms": _percentile(every, 0.5),
                  "p95_ms": _percentile(every, 0.95), "p99_ms": _percentile(every, 0.99)}
    return out


def bench_search(items: int = 100_000, backend: str = "sqlite", rounds: int = 40) -> dict:
    from .system import temporary_postgres

    with tempfile.TemporaryDirectory(prefix="minyi-search-") as tmp:
        if backend == "postgres":
            with temporary_postgres() as url:
                return _run(tmp, items, rounds, url)
        return _run(tmp, items, rounds, None)


def _run(tmp: str, items: int, rounds: int, url: str | None) -> dict:
    rt, built = build_store(tmp, items, url)
    try:
        size = None
        if rt.views.dialect == "sqlite":
            size = rt.views.query("SELECT page_count * page_size AS n FROM pragma_page_count(), "
                                  "pragma_page_size()")[0]["n"]
        return {"items": items, "backend": rt.views.dialect, "built_s": round(built, 1),
                "views_bytes": size, "target_p95_ms": 50, "latency": measure(rt, rounds)}
    finally:
        rt.close()
