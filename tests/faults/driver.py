"""A steady stream of citizens' submissions, hotline intake, staff actions and reads over
HTTP, every request and its outcome recorded for the checks afterwards."""

import itertools
import json
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import requests

CLIENT_TIMEOUT = 15.0  # seconds; a request that takes longer is a hang

AREA = "巨山街道"
# Every SENSITIVE_EVERY-th comment mentions an emergency in one township, so escalation
# opens an incident and then links a spike to it: commands issued from the workers.
SENSITIVE_EVERY = 9


@dataclass
class Record:
    stream: str
    method: str
    path: str
    started: float
    ended: float
    status: int | None = None
    headers: dict = field(default_factory=dict)
    body: object = None
    error: str | None = None
    error_kind: str | None = None  # timeout | refused | reset | other
    item: tuple | None = None  # (kind, number) this request created or acted on
    action: str | None = None
    title: str | None = None  # an intake's title (unique): finds it in the store

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def write(self) -> bool:
        return self.method != "GET"

    def brief(self) -> str:
        what = f"{self.status}" if self.status is not None else f"{self.error_kind}: {self.error}"
        body = self.body
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False)
        body = (str(body) if body is not None else "")[:160]
        return (f"[{self.stream}] {self.method} {self.path} -> {what} "
                f"({self.ended - self.started:.2f}s) {body}")


class Recorder:
    def __init__(self):
        self.records: list[Record] = []
        self._lock = threading.Lock()

    def add(self, record: Record) -> Record:
        with self._lock:
            self.records.append(record)
        return record

    def snapshot(self) -> list[Record]:
        with self._lock:
            return list(self.records)


def _error_kind(error: Exception) -> str:
    if isinstance(error, requests.Timeout):
        return "timeout"
    text = repr(error)
    if "ConnectionRefused" in text or "Connection refused" in text:
        return "refused"
    if isinstance(error, requests.ConnectionError):
        return "reset"
    return "other"


class Client:
    def __init__(self, base_url: str, recorder: Recorder):
        self.base_url, self.recorder = base_url, recorder

    def call(self, stream: str, method: str, path: str, body=None, token: str | None = None,
             item: tuple | None = None, action: str | None = None,
             title: str | None = None) -> Record:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.monotonic()
        record = Record(stream, method, path, started, started, item=item, action=action,
                        title=title)
        try:
            # A new connection each time: a request never rides on a connection that a
            # restarted server closed under it, so its outcome is its own.
            resp = requests.request(method, self.base_url + path, json=body, headers=headers,
                                    timeout=CLIENT_TIMEOUT)
            record.status, record.headers = resp.status_code, dict(resp.headers)
            try:
                record.body = resp.json()
            except ValueError:
                record.body = resp.text[:2000]
        except Exception as e:  # noqa: BLE001 - every failure is an outcome to check
            record.error, record.error_kind = f"{type(e).__name__}: {e}"[:300], _error_kind(e)
        record.ended = time.monotonic()
        return self.recorder.add(record)


@dataclass
class Item:
    kind: str  # comments | tickets
    number: str
    step: int = 0  # index of the next step
    ok_actions: list = field(default_factory=list)  # (step index, status after) per 2xx
    unknown_after: int = 0  # requests with an unknown outcome since the last 2xx
    query_code: str = ""
    needs_check: bool = False
    done: bool = False


COMMENT_STEPS = (("accept", "rev", {}), ("dispatch", "rev", {"department": "区住建局"}),
                 ("draft", "h1", {"content": "已安排维修，三日内修复。"}), ("approve", "rev", {}))
COMMENT_NEXT = {"submitted": 0, "accepted": 1, "dispatched": 2, "drafted": 3, "replied": 4,
                "closed": 4, "rejected": 4}
TICKET_STEPS = (("dispatch", "op", {"department": "区住建局"}), ("sign", "h1", {}),
                ("resolve", "h1", {"reply": "已安排人员现场处理完毕"}),
                ("callback", "op", {"reached": True, "resolved": True, "rating": "满意"}))
TICKET_NEXT = {"registered": 0, "dispatched": 1, "handling": 2, "resolved": 3, "closed": 4}
STEPS = {"comments": COMMENT_STEPS, "tickets": TICKET_STEPS}
NEXT = {"comments": COMMENT_NEXT, "tickets": TICKET_NEXT}


class Traffic:
    """The streams; start() runs them in threads until stop()."""

    def __init__(self, client: Client, tokens: dict, run_id: str, pace: float = 0.08):
        self.client, self.tokens, self.run_id, self.pace = client, tokens, run_id, pace
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.comments: list[Item] = []
        self.tickets: list[Item] = []
        self.work: deque = deque()
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self.rng = random.Random(2026)

    # --- bodies --------------------------------------------------------------------------

    def comment_body(self) -> dict:
        n = next(self._seq)
        sensitive = n % SENSITIVE_EVERY == 0
        content = (f"{AREA}某小区楼道起火，浓烟很大，请尽快处置（{self.run_id}-{n}）" if sensitive
                   else f"小区路灯坏了一个月，请尽快维修（{self.run_id}-{n}）")
        return {"title": f"路灯不亮 {self.run_id}-{n}", "content": content,
                "kind": "投诉", "category": "城乡建设", "name": "张三", "phone": "13812345678",
                "area": AREA, "publish": n % 2 == 0}

    def ticket_body(self) -> dict:
        n = next(self._seq)
        return {"channel": "电话", "caller_name": "李四", "caller_phone": "13912345678",
                "area": AREA, "category": "城乡建设", "kind": "投诉", "urgency": "一般",
                "title": f"门口积水 {self.run_id}-{n}",
                "content": f"雨后积水严重（{self.run_id}-{n}）", "publish": n % 2 == 0}

    # --- single requests ---------------------------------------------------------------

    def submit_comment(self, stream: str = "citizen") -> Record:
        body = self.comment_body()
        record = self.client.call(stream, "POST", "/api/v1/comments", body, title=body["title"])
        if record.status == 201:
            item = Item("comments", record.body["tracking_no"],
                        query_code=record.body["query_code"])
            record.item = ("comments", item.number)
            with self._lock:
                self.comments.append(item)
                self.work.append(item)
        return record

    def register_ticket(self, stream: str = "operator") -> Record:
        body = self.ticket_body()
        record = self.client.call(stream, "POST", "/api/v1/staff/tickets", body,
                                  self.tokens["op"], title=body["title"])
        if record.status == 201:
            item = Item("tickets", record.body["ticket_no"])
            record.item = ("tickets", item.number)
            with self._lock:
                self.tickets.append(item)
                self.work.append(item)
        return record

    def staff_step(self) -> Record | None:
        with self._lock:
            if not self.work:
                return None
            item = self.work.popleft()
        try:
            if item.needs_check:  # the last action's outcome is unknown: look first
                record = self.client.call("staff", "GET", f"/api/v1/staff/{item.kind}/"
                                          f"{item.number}", token=self.tokens["rev"],
                                          item=(item.kind, item.number))
                if not record.ok:
                    return record
                item.step, item.needs_check = NEXT[item.kind][record.body["status"]], False
            if item.step >= len(STEPS[item.kind]):
                item.done = True
                return None
            action, who, body = STEPS[item.kind][item.step]
            record = self.client.call("staff", "POST",
                                      f"/api/v1/staff/{item.kind}/{item.number}/{action}",
                                      body, self.tokens[who], item=(item.kind, item.number),
                                      action=action)
            if record.ok:
                item.ok_actions.append((item.step, record.body["status"]))
                item.unknown_after = 0
                item.step += 1
                item.done = item.step >= len(STEPS[item.kind])
            else:
                item.unknown_after += 1
                item.needs_check = True
            return record
        finally:
            if not item.done:  # the same item again next time: items reach their end
                with self._lock:
                    self.work.appendleft(item)

    def read(self) -> Record:
        choice = self.rng.randrange(6)
        if choice == 0:
            return self.client.call("reader", "GET", "/api/v1/replies?per_page=5")
        if choice == 1:
            return self.client.call("reader", "GET", "/replies")
        if choice == 2:
            return self.client.call("reader", "GET", "/api/v1/staff/inbox?per_page=5",
                                    token=self.tokens["rev"])
        if choice == 3:
            return self.client.call("reader", "GET", "/api/v1/staff/tickets?per_page=5",
                                    token=self.tokens["op"])
        if choice == 4:
            return self.client.call("reader", "GET", "/stats")
        with self._lock:
            known = self.comments[-20:]
        if not known:
            return self.client.call("reader", "GET", "/api/v1/replies?per_page=5")
        item = self.rng.choice(known)
        return self.client.call("reader", "GET",
                                f"/api/v1/comments/{item.number}?query_code={item.query_code}")

    # --- streams -------------------------------------------------------------------------

    def _loop(self, step, pace: float) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            step()
            self.stopping.wait(max(0.0, pace - (time.monotonic() - started)))

    def start(self) -> None:
        for name, step, pace in (("citizen", self.submit_comment, self.pace),
                                 ("operator", self.register_ticket, self.pace * 2),
                                 ("staff", self.staff_step, self.pace),
                                 ("reader", self.read, self.pace)):
            thread = threading.Thread(target=self._loop, args=(step, pace), daemon=True,
                                      name=f"traffic-{name}")
            thread.start()
            self.threads.append(thread)

    def burst(self, count: int, threads: int = 4) -> list[Record]:
        """`count` submissions as fast as `threads` clients go (a backlog for the workers)."""
        out: list = []
        left = itertools.count()

        def run():
            while next(left) < count:
                out.append(self.submit_comment("burst"))

        workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=CLIENT_TIMEOUT * count)
        return out

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=CLIENT_TIMEOUT + 5)
