"""Open311 GeoReport v2 under /open311/v2: every resource in XML and JSON, the filters of
GET requests, filing a comment with an API key, the spec's error documents, and that
nothing personal is ever published (Flask test client, in-memory store)."""

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from domain.actors import SYSTEM_ACTOR, Actor
from domain.reference import CATEGORIES, KINDS
from tests.support import NAME, PHONE, Staff, replied, submit
from web.open311.keys import forget_keys
from domain.reference import CATEGORY_CODES
from web.open311.services import SERVICES

BASE = "/open311/v2"
STAFF = Staff()
OPERATOR = Actor("op", ("operator",))
EMAIL = "zhang@example.com"
LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")
XML_TYPE, JSON_TYPE = "text/xml; charset=utf-8", "application/json; charset=utf-8"

# The spec's fields, in its order.
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url"]
MINIMAL_FIELDS = ["service_request_id", "status", "service_name", "service_code",
                  "requested_datetime"]
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type",
                  "keywords", "group"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description",
                    "order", "description", "values"]

# Clients store service codes: a change here breaks them (written out on purpose).
GOLDEN_CODES = {
    "001": "城乡建设", "002": "交通出行", "003": "生态环境", "004": "教育", "005": "医疗卫生",
    "006": "社会保障", "007": "就业创业", "008": "社会救助", "009": "市场监管",
    "010": "食品药品", "011": "农业农村", "012": "征地拆迁", "013": "公共安全",
    "014": "文化体育", "015": "营商环境", "016": "政务服务", "017": "其他",
}

FORM = {"service_code": "001", "lat": "34.7952", "long": "117.2523",
        "address_string": "永福路8号3单元", "description": f"小区路灯坏了一个月，请尽快维修。电话{PHONE}",
        "first_name": "三丰", "last_name": "张", "phone": PHONE, "email": EMAIL,
        "device_id": "device-77", "account_id": "acct-99", "media_url": "http://img.example/1.jpg",
        "attribute[kind]": "投诉", "jurisdiction_id": "xuecheng.gov.cn"}


# --- helpers ---------------------------------------------------------------------------

def as_xml(response) -> ET.Element:
    assert response.headers["Content-Type"] == XML_TYPE
    body = response.get_data()
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(body)


def as_json(response):
    assert response.headers["Content-Type"] == JSON_TYPE
    return response.get_json()


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def both(client, path: str, query: str = "", status: int = 200):
    """The JSON body and the XML root of one resource, both with `status`."""
    suffix = f"?{query}" if query else ""
    json_response = client.get(f"{BASE}/{path}.json{suffix}")
    xml_response = client.get(f"{BASE}/{path}.xml{suffix}")
    assert (json_response.status_code, xml_response.status_code) == (status, status), (
        json_response.get_data(as_text=True))
    return as_json(json_response), as_xml(xml_response)


def numbers(client, query: str = "") -> list[str]:
    body, root = both(client, "requests", query)
    listed = [r["service_request_id"] for r in body]
    assert [r.findtext("service_request_id") for r in root] == listed
    return listed


def assert_error(response, status: int, fmt: str, contains: str = "") -> list[str]:
    """The spec's error document; returns the descriptions."""
    assert response.status_code == status
    if fmt == "json":
        body = as_json(response)
        assert isinstance(body, list) and body
        assert all(set(e) == {"code", "description"} and e["code"] == status for e in body)
        descriptions = [e["description"] for e in body]
    else:
        root = as_xml(response)
        assert root.tag == "errors" and set(tags(root)) == {"error"}
        assert all(tags(e) == ["code", "description"] for e in root)
        assert all(e.findtext("code") == str(status) for e in root)
        descriptions = [e.findtext("description") for e in root]
    assert contains in " ".join(descriptions)
    return descriptions


@pytest.fixture
def key(rt) -> str:
    return rt.app.create_api_key("城市随手拍", SYSTEM_ACTOR)


def published(rt, **kw) -> str:
    """A portal comment with contact details, taken to a published reply."""
    return replied(rt.app, STAFF, email=EMAIL, **kw)["tracking_no"]


def published_ticket(rt, **overrides) -> str:
    values = dict(channel="phone", caller_name=NAME, caller_phone=PHONE, area="临城街道",
                  address="永福路8号", category="交通出行", kind="投诉", urgency="normal",
                  title="公交站牌缺失", content=f"站牌被撞倒了，电话{PHONE}", publish=True)
    values.update(overrides)
    no = rt.app.register_ticket(OPERATOR, **values).number
    rt.app.act("tickets", no, "dispatch", OPERATOR, department="区交运局")
    rt.app.act("tickets", no, "sign", STAFF.other_handler)
    rt.app.act("tickets", no, "resolve", STAFF.other_handler, reply="已重新设置站牌")
    if values["publish"]:
        rt.app.act("tickets", no, "publish", STAFF.reviewer, title="公交站牌缺失",
                   content="站牌被撞倒了", reply="已重新设置站牌")
    return no


# --- discovery and services --------------------------------------------------------------

def test_discovery_names_this_endpoint_and_both_formats(client):
    body, root = both(client, "discovery")
    endpoint = body["endpoints"][0]
    assert endpoint == {"specification": "http://wiki.open311.org/GeoReport_v2",
                        "url": "http://localhost/open311/v2", "changeset": body["changeset"],
                        "type": "production", "formats": ["text/xml", "application/json"]}
    assert LOCAL_TIME.fullmatch(body["changeset"]) and body["contact"] and body["key_service"]
    assert root.tag == "discovery"
    assert tags(root) == ["changeset", "contact", "key_service", "endpoints"]
    (xml_endpoint,) = root.find("endpoints")
    assert xml_endpoint.tag == "endpoint"
    assert tags(xml_endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in xml_endpoint.find("formats").iter("format")] == [
        "text/xml", "application/json"]
    other_host = client.get(f"{BASE}/discovery.json", base_url="https://open.example.gov")
    assert other_host.get_json()["endpoints"][0]["url"] == "https://open.example.gov/open311/v2"


def test_the_service_codes_never_change():
    assert {code: category for code, (category, _, _) in SERVICES.items()} == GOLDEN_CODES
    assert {code: category for category, code in CATEGORY_CODES.items()} == GOLDEN_CODES
    assert sorted(GOLDEN_CODES.values()) == sorted(CATEGORIES)  # every category has a code


def test_services_list_one_service_per_category_with_string_codes(client):
    body, root = both(client, "services")
    assert [s["service_code"] for s in body] == list(GOLDEN_CODES)
    assert [s["service_name"] for s in body] == list(GOLDEN_CODES.values())
    for service in body:
        assert list(service) == SERVICE_FIELDS
        assert service["metadata"] is True and service["type"] == "realtime"
        assert service["description"] and service["keywords"] and service["group"]
    assert root.tag == "services" and set(tags(root)) == {"service"} and len(root) == 17
    first = root[0]
    assert tags(first) == SERVICE_FIELDS
    assert (first.findtext("service_code"), first.findtext("metadata"),
            first.findtext("type")) == ("001", "true", "realtime")


def test_a_service_definition_offers_the_comment_kinds(client):
    body, root = both(client, "services/005")
    assert body["service_code"] == "005"
    (attribute,) = body["attributes"]
    assert list(attribute) == ATTRIBUTE_FIELDS
    assert (attribute["code"], attribute["datatype"], attribute["required"],
            attribute["variable"], attribute["order"]) == (
        "kind", "singlevaluelist", False, True, 1)
    assert attribute["values"] == [{"key": k, "name": k} for k in KINDS]
    assert root.tag == "service_definition" and tags(root) == ["service_code", "attributes"]
    (xml_attribute,) = root.find("attributes")
    assert xml_attribute.tag == "attribute" and tags(xml_attribute) == ATTRIBUTE_FIELDS
    assert xml_attribute.findtext("required") == "false"
    assert [(v.findtext("key"), v.findtext("name")) for v in
            xml_attribute.find("values").iter("value")] == [(k, k) for k in KINDS]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_a_404(client, fmt):
    assert_error(client.get(f"{BASE}/services/018.{fmt}"), 404, fmt, "018")
    assert_error(client.get(f"{BASE}/services/城乡建设.{fmt}"), 404, fmt)


# --- requests: what is published -----------------------------------------------------------

def test_a_published_comment_is_a_closed_request_with_every_field(client, rt):
    no = published(rt)
    rt.catch_up_all()
    body, root = both(client, "requests")
    (record,) = body
    assert list(record) == REQUEST_FIELDS
    assert record["service_request_id"] == no and record["status"] == "closed"
    assert (record["service_code"], record["service_name"]) == ("001", "城乡建设")
    assert record["description"] == "小区路灯坏了一个月，请尽快维修。联系电话138****5678"
    assert record["status_notes"] == "已安排维修，三日内修复。"
    assert record["agency_responsible"] == "区住建局"
    assert record["requested_datetime"] == "2026-09-15T09:00:00+08:00"
    assert record["updated_datetime"] == "2026-09-15T09:00:00+08:00"
    # Due by the end of the due date (five working days after Tue 09-15: Mon 09-21, as
    # Sun 09-20 is an adjusted working day in 2026).
    assert rt.app.get_comment(no).due_date == date(2026, 9, 21)
    assert record["expected_datetime"] == "2026-09-21T23:59:59+08:00"
    assert all(record[f] is None for f in ("service_notice", "address", "address_id",
                                           "zipcode", "lat", "long", "media_url"))
    assert root.tag == "service_requests" and tags(root) == ["request"]
    assert tags(root[0]) == REQUEST_FIELDS
    assert root[0].findtext("status") == "closed" and root[0].findtext("lat") == ""
    assert root[0].findtext("expected_datetime") == "2026-09-21T23:59:59+08:00"


def test_requests_list_only_published_items(client, rt):
    public = published(rt)
    published(rt, publish=False)  # no consent
    withheld = published(rt)
    rt.app.act("comments", withheld, "withhold", STAFF.reviewer, reason="涉及隐私")
    submit(rt.app)  # waiting for review
    rt.catch_up_all()
    assert numbers(client) == [public]


def test_a_reopened_item_is_open_again(client, rt, web_clock):
    receipt = replied(rt.app, STAFF)
    no = receipt["tracking_no"]
    rt.app.rate_reply(no, receipt["query_code"], "不满意")
    web_clock.advance(days=1)
    rt.app.act("comments", no, "reopen", STAFF.reviewer, reason="核实属实")
    rt.catch_up_all()
    body, _ = both(client, f"requests/{no}")
    assert body[0]["status"] == "open"
    assert body[0]["updated_datetime"] == "2026-09-16T09:00:00+08:00"
    assert body[0]["status_notes"] == "已安排维修，三日内修复。"  # still the public reply
    assert numbers(client, "status=open") == [no] and numbers(client, "status=closed") == []


def test_a_published_ticket_names_its_area_and_deadline(client, rt):
    no = published_ticket(rt)
    rt.catch_up_all()
    body, root = both(client, f"requests/{no}")
    (record,) = body
    assert (record["status"], record["service_code"], record["service_name"]) == (
        "closed", "002", "交通出行")
    assert (record["address"], record["agency_responsible"]) == ("临城街道", "区交运局")
    assert record["description"] == "站牌被撞倒了"
    assert record["status_notes"] == "已重新设置站牌"
    assert LOCAL_TIME.fullmatch(record["expected_datetime"])
    assert root[0].findtext("address") == "临城街道"


# --- requests: filters ---------------------------------------------------------------------

def test_requests_filter_by_service_code_and_status(client, rt):
    lights = published(rt)
    bus = published(rt, category="交通出行")
    school = published(rt, category="教育")
    rt.catch_up_all()
    assert numbers(client, "service_code=002") == [bus]
    assert sorted(numbers(client, "service_code=002,004")) == sorted([bus, school])
    assert sorted(numbers(client, "service_code=001&service_code=004")) == sorted(
        [lights, school])
    assert numbers(client, "service_code=") == numbers(client)  # empty = not declared
    assert len(numbers(client, "status=closed")) == 3
    assert numbers(client, "status=open") == []
    assert len(numbers(client, "status=open,closed&jurisdiction_id=xuecheng.gov.cn")) == 3


def test_requests_filter_by_the_time_they_came_in(client, rt, web_clock):
    first = published(rt)  # Tue 2026-09-15 09:00
    web_clock.advance(days=5)
    second = published(rt)  # Sun 2026-09-20 09:00
    rt.catch_up_all()
    assert numbers(client) == [second, first]  # newest first
    assert numbers(client, "start_date=2026-09-16T00:00:00%2B08:00") == [second]
    assert numbers(client, "start_date=2026-09-16T00:00:00+08:00") == [second]  # "+" unencoded
    assert numbers(client, "end_date=2026-09-15") == [first]  # the whole day
    assert numbers(client, "start_date=2026-09-15T01:00:00Z&end_date=2026-09-20T01:00:00Z") == [
        second, first]  # inclusive at both ends
    assert numbers(client, "start_date=2026-09-15T09:00:01%2B08:00") == [second]
    assert numbers(client, "start_date=2026-01-01") == []  # to 2026-04-01


def test_the_default_span_is_the_last_90_days(client, rt, web_clock):
    old = published(rt)
    web_clock.advance(days=89)
    recent = published(rt)
    rt.catch_up_all()
    assert numbers(client) == [recent, old]
    web_clock.advance(days=2)
    assert numbers(client) == [recent]
    start = (web_clock.today() - timedelta(days=91)).isoformat()
    assert numbers(client, f"start_date={start}") == [recent, old]  # start + 90 days
    assert numbers(client, f"end_date={start}") == [old]  # 90 days up to the end


@pytest.mark.parametrize("query, contains", [
    ("start_date=2026-06-01&end_date=2026-09-15", "90"),
    ("start_date=2026-06-17T08:59:59%2B08:00&end_date=2026-09-15T09:00:00%2B08:00", "90"),
    ("start_date=2026-09-15&end_date=2026-09-01", "end_date"),
    ("start_date=yesterday", "start_date"),
    ("end_date=2026-13-01", "end_date"),
    ("start_date=2026-09-01T25:00:00Z", "start_date"),
    ("status=pending", "status"),
    ("service_code=999", "999"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page_size=201", "200"),
    ("page_size=-1", "page_size"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_are_400s(client, fmt, query, contains):
    assert_error(client.get(f"{BASE}/requests.{fmt}?{query}"), 400, fmt, contains)


def test_exactly_90_days_is_allowed(client, rt):
    no = published(rt)
    rt.catch_up_all()
    assert numbers(client, "start_date=2026-06-17T09:00:00%2B08:00"
                           "&end_date=2026-09-15T09:00:00%2B08:00") == [no]


def test_requests_page_through_with_page_and_page_size(client, rt, web_clock):
    made = []
    for _ in range(5):
        made.append(published(rt))
        web_clock.advance(hours=1)
    rt.catch_up_all()
    newest_first = made[::-1]
    assert numbers(client, "page_size=2") == newest_first[:2]
    assert numbers(client, "page_size=2&page=3") == newest_first[4:]
    assert numbers(client, "page_size=2&page=4") == []


def test_service_request_id_overrides_every_other_filter(client, rt, web_clock):
    bus = published(rt, category="交通出行")
    waiting = submit(rt.app)["tracking_no"]
    web_clock.advance(days=200)  # both now lie outside the default span
    rt.catch_up_all()
    assert numbers(client) == []
    body, root = both(client, "requests",
                      f"service_request_id={waiting},LY0000,{bus}&service_code=017"
                      "&status=open&start_date=nonsense")
    assert [r["service_request_id"] for r in body] == [waiting, bus]
    assert list(body[0]) == MINIMAL_FIELDS and list(body[1]) == REQUEST_FIELDS
    assert tags(root[0]) == MINIMAL_FIELDS and tags(root[1]) == REQUEST_FIELDS
    too_many = ",".join(f"LY{i}" for i in range(201))
    assert_error(client.get(f"{BASE}/requests.json?service_request_id={too_many}"), 400,
                 "json")


# --- one request -----------------------------------------------------------------------------

def test_an_item_that_is_not_public_tells_only_where_it_stands(client, rt):
    waiting = submit(rt.app, category="教育")["tracking_no"]
    rejected = submit(rt.app)["tracking_no"]
    rt.app.act("comments", rejected, "reject", STAFF.reviewer, reason="abusive", note="")
    withheld = published(rt)
    rt.app.act("comments", withheld, "withhold", STAFF.reviewer, reason="涉及隐私")
    private = published(rt, publish=False)
    ticket = published_ticket(rt, publish=False)
    rt.catch_up_all()
    expected = {waiting: "open", rejected: "closed", withheld: "closed", private: "closed",
                ticket: "closed"}
    for no, status in expected.items():
        body, root = both(client, f"requests/{no}")
        assert list(body[0]) == MINIMAL_FIELDS and tags(root[0]) == MINIMAL_FIELDS
        assert body[0]["service_request_id"] == no and body[0]["status"] == status
        assert LOCAL_TIME.fullmatch(body[0]["requested_datetime"])
        text = repr(body) + ET.tostring(root, encoding="unicode")
        assert "路灯" not in text and "站牌" not in text and "维修" not in text
    assert both(client, f"requests/{waiting}")[0][0]["service_code"] == "004"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_is_a_404(client, fmt):
    assert_error(client.get(f"{BASE}/requests/LY20260915000000.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}/requests/..%2F..%2Fetc.{fmt}"), 404, fmt)


# --- filing a request ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_with_a_key_files_a_portal_comment(client, rt, key, fmt):
    response = client.post(f"{BASE}/requests.{fmt}", data={**FORM, "api_key": key})
    assert response.status_code == 200, response.get_data(as_text=True)
    if fmt == "json":
        (receipt,) = as_json(response)
        assert list(receipt) == ["service_request_id", "service_notice", "account_id"]
        assert receipt["account_id"] is None
        no, notice = receipt["service_request_id"], receipt["service_notice"]
    else:
        root = as_xml(response)
        assert root.tag == "service_requests" and tags(root) == ["request"]
        assert tags(root[0]) == ["service_request_id", "service_notice", "account_id"]
        assert root[0].findtext("account_id") == ""
        no, notice = root[0].findtext("service_request_id"), root[0].findtext("service_notice")
    assert no in notice and "已收到" in notice
    comment = rt.app.get_comment(no)
    assert (comment.kind, comment.category, comment.channel, comment.publish) == (
        "投诉", "城乡建设", "portal", True)
    assert comment.content == FORM["description"]
    assert comment.title == "小区路灯坏了一个月，请尽快维修。电话13"  # 20 characters
    assert comment.contact == {"name": "张三丰", "phone": PHONE, "email": EMAIL}
    rt.catch_up_all()
    body, _ = both(client, f"requests/{no}")
    assert body == [{"service_request_id": no, "status": "open", "service_name": "城乡建设",
                     "service_code": "001", "requested_datetime": "2026-09-15T09:00:00+08:00"}]


def test_the_kind_defaults_to_a_request_for_help_and_any_one_location_will_do(client, rt, key):
    for location in ({"address_string": "临城街道"}, {"address_id": "A-1"},
                     {"lat": "34.79", "long": "117.25"}):
        form = {"api_key": key, "service_code": "017", "description": "  咨询一下办事时间，周末是否上班  ",
                **location}
        response = client.post(f"{BASE}/requests.json", data=form)
        assert response.status_code == 200, response.get_data(as_text=True)
        comment = rt.app.get_comment(response.get_json()[0]["service_request_id"])
        assert (comment.kind, comment.category, comment.title) == ("求助", "其他", "咨询一下办事时间，周末是否上班")
        assert comment.contact == {}


def test_western_names_keep_their_order(client, rt, key):
    form = {**FORM, "api_key": key, "first_name": "Anna", "last_name": "Schmidt"}
    no = client.post(f"{BASE}/requests.json", data=form).get_json()[0]["service_request_id"]
    assert rt.app.get_comment(no).contact["name"] == "Anna Schmidt"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_unknown_or_revoked_key_is_a_403(app, client, rt, key, fmt):
    url = f"{BASE}/requests.{fmt}"
    assert_error(client.post(url, data=FORM), 403, fmt, "api_key")
    assert_error(client.post(url, data={**FORM, "api_key": key + "x"}), 403, fmt)
    assert_error(client.post(f"{url}?api_key={key}", data=FORM), 403, fmt, "网址")
    assert client.post(url, data={**FORM, "api_key": key}).status_code == 200
    rt.app.revoke_api_key("城市随手拍", SYSTEM_ACTOR)
    with app.app_context():
        forget_keys()  # as another process would see it after the cache's few seconds
    assert_error(client.post(url, data={**FORM, "api_key": key}), 403, fmt, "撤销")
    never_used = rt.app.create_api_key("另一个客户端", SYSTEM_ACTOR)
    rt.app.revoke_api_key("另一个客户端", SYSTEM_ACTOR)
    assert_error(client.post(url, data={**FORM, "api_key": never_used}), 403, fmt)


def test_a_revoked_key_is_refused_within_seconds_without_a_restart(app, client, rt, key,
                                                                   monkeypatch):
    import web.open311.keys as keys

    now = [1000.0]
    monkeypatch.setattr(keys.time, "monotonic", lambda: now[0])
    assert client.post(f"{BASE}/requests.json", data={**FORM, "api_key": key}).status_code == 200
    rt.app.revoke_api_key("城市随手拍", SYSTEM_ACTOR)
    now[0] += keys.KEY_CACHE_SECONDS + 0.1
    assert client.post(f"{BASE}/requests.json", data={**FORM, "api_key": key}).status_code == 403


@pytest.mark.parametrize("change, status, contains", [
    ({"service_code": ""}, 400, "service_code"),
    ({"service_code": "099"}, 404, "099"),
    ({"lat": "", "long": "", "address_string": ""}, 400, "位置"),
    ({"long": "", "address_string": ""}, 400, "lat"),
    ({"lat": "north", "address_string": ""}, 400, "lat"),
    ({"lat": "91", "address_string": ""}, 400, "lat"),
    ({"description": ""}, 400, "description"),
    ({"description": "   \n  "}, 400, "description"),
    ({"description": "长" * 3001}, 400, "description"),
    ({"attribute[kind]": "表扬"}, 400, "attribute[kind]"),
    ({"phone": "call me"}, 400, "phone"),
    ({"email": "not-an-address"}, 400, "email"),
    ({"first_name": "名" * 40}, 400, "first_name"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_requests_are_refused_with_what_is_wrong(client, rt, key, fmt, change, status,
                                                     contains):
    form = {**FORM, "api_key": key, **change}
    assert_error(client.post(f"{BASE}/requests.{fmt}", data=form), status, fmt, contains)


def test_every_problem_is_reported_at_once_and_nothing_is_filed(client, rt, key):
    form = {"api_key": key, "service_code": "001", "description": "", "phone": "x",
            "attribute[kind]": "表扬"}
    descriptions = assert_error(client.post(f"{BASE}/requests.json", data=form), 400, "json")
    assert len(descriptions) == 4  # location, kind, description, phone
    rt.catch_up_all()
    assert rt.views.query("SELECT COUNT(*) AS n FROM pub_status")[0]["n"] == 0


def test_the_body_must_be_a_form(client, key):
    response = client.post(f"{BASE}/requests.json", json={**FORM, "api_key": key})
    assert_error(response, 400, "json", "x-www-form-urlencoded")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_body_over_the_limit_is_a_413(client, key, fmt):
    response = client.post(f"{BASE}/requests.{fmt}",
                           data={**FORM, "api_key": key, "description": "x" * 300_000})
    assert_error(response, 413, fmt)


# --- the edges ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_methods_are_405s_and_unknown_paths_404s(client, fmt):
    for method, path, allow in (("PUT", "requests", "GET, POST, HEAD"),
                                ("DELETE", "services", "GET, HEAD"),
                                ("POST", "discovery", "GET, HEAD"),
                                ("PATCH", "requests/LY1", "GET, HEAD")):
        response = client.open(f"{BASE}/{path}.{fmt}", method=method)
        assert_error(response, 405, fmt)
        assert response.headers["Allow"] == allow
    assert_error(client.get(f"{BASE}/tokens/123.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}/services/001/extra.{fmt}"), 404, fmt)


def test_an_unknown_format_is_a_404_in_xml(client):
    for path in ("services.csv", "requests.html", "services/001.yaml", "discovery"):
        assert_error(client.get(f"{BASE}/{path}"), 404, "xml")
    assert_error(client.get(f"{BASE}/"), 404, "xml")


def test_unchanged_answers_are_304s(client):
    first = client.get(f"{BASE}/services.json")
    etag = first.headers["ETag"]
    again = client.get(f"{BASE}/services.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_text_that_xml_cannot_carry_is_dropped(client, rt, key):
    form = {**FORM, "api_key": key, "description": "路灯坏了\x0b\x01请修理一下，谢谢"}
    no = client.post(f"{BASE}/requests.xml", data=form)
    assert no.status_code == 200
    number = as_xml(no)[0].findtext("service_request_id")
    assert rt.app.get_comment(number).content == "路灯坏了请修理一下，谢谢"


# --- personal data -------------------------------------------------------------------------

def test_no_personal_data_anywhere_in_open311(client, rt, key):
    filed = client.post(f"{BASE}/requests.json", data={**FORM, "api_key": key})
    filed_no = filed.get_json()[0]["service_request_id"]
    receipt = replied(rt.app, STAFF, email=EMAIL, name=NAME)
    ticket = published_ticket(rt)
    rt.app.act("comments", filed_no, "accept", STAFF.reviewer)
    rt.catch_up_all()
    outputs = [filed.get_data(as_text=True)]
    for path in ("discovery", "services", "services/001", "requests",
                 f"requests/{filed_no}", f"requests/{receipt['tracking_no']}",
                 f"requests/{ticket}"):
        for fmt in ("json", "xml"):
            response = client.get(f"{BASE}/{path}.{fmt}")
            assert response.status_code == 200
            outputs.append(response.get_data(as_text=True))
    text = "\n".join(outputs)
    assert receipt["tracking_no"] in text and ticket in text and filed_no in text
    for secret in (NAME, "三丰", PHONE, EMAIL, receipt["query_code"], "永福路8号",
                   "device-77", "acct-99", "img.example", key):
        assert secret not in text, secret
    for moment in re.findall(r"\d{4}-\d{2}-\d{2}T[\d:]+[^<\"]*", text):
        assert LOCAL_TIME.fullmatch(moment), moment  # every time with +08:00


def test_the_status_table_holds_no_text(client, rt, key):
    client.post(f"{BASE}/requests.json", data={**FORM, "api_key": key})
    published_ticket(rt)
    rt.catch_up_all()
    rows = rt.views.query("SELECT * FROM pub_status")
    assert len(rows) == 2
    assert set(rows[0]) == {"id", "item_kind", "tracking_no", "category", "requested_at",
                            "area", "due_at", "stage", "stage_at"}
    assert "路灯" not in repr(rows) and PHONE not in repr(rows) and "永福路" not in repr(rows)


# --- the CLI -----------------------------------------------------------------------------

def test_admins_manage_keys_from_the_command_line(app, client, rt):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["create-api-key", "fixer"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert rt.app.verify_api_key(key).name == "fixer"
    assert runner.invoke(args=["create-api-key", "fixer"]).exit_code != 0
    listed = runner.invoke(args=["list-api-keys"])
    assert "fixer\t有效" in listed.output and key not in listed.output
    assert runner.invoke(args=["revoke-api-key", "fixer"]).exit_code == 0
    assert rt.app.verify_api_key(key) is None
    assert "已撤销" in runner.invoke(args=["list-api-keys"]).output
    assert runner.invoke(args=["revoke-api-key", "nobody"]).exit_code != 0


def test_a_short_description_is_accepted_as_georeport_allows(client, key):
    """The portal asks citizens for at least ten characters; GeoReport v2 sets no minimum
    on a description, so an Open311 client's short one is filed (an empty one is not)."""
    short = client.post(f"{BASE}/requests.json", data={**FORM, "api_key": key,
                                                        "description": "路灯坏了"})
    assert short.status_code == 200, short.get_data(as_text=True)
    empty = client.post(f"{BASE}/requests.json", data={**FORM, "api_key": key,
                                                        "description": " "})
    assert empty.status_code == 400
