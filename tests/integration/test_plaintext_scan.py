"""Personal data at rest: after comments and tickets with contact details and addresses
have gone through their whole course and every read model has caught up, none of that
data is found in plaintext anywhere in the database: the SQLite files byte by byte, or
every text column of every table on PostgreSQL."""

import glob

from domain.actors import Actor
from tests.support import Staff

SECRETS = {"name": "司马光明", "phone": "13698765432", "email": "sima.guangming@example.com",
           "address": "幸福路66号5单元501室"}
OPERATOR = Actor("op", ("operator",))


def _generate(app):
    staff = Staff()
    for i in range(3):
        no = app.submit_comment(
            title=f"路灯不亮{i}", content=f"小区路灯坏了，联系我{SECRETS['phone']}，我叫{SECRETS['name']}",
            kind="投诉", category="城乡建设", area="临城街道", address=SECRETS["address"],
            name=SECRETS["name"], phone=SECRETS["phone"], email=SECRETS["email"])["tracking_no"]
        app.act("comments", no, "accept", staff.reviewer)
        app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
        app.act("comments", no, "draft", staff.handler,
                content=f"{SECRETS['name']}您好，已联系您（{SECRETS['phone']}），已修复。")
        app.act("comments", no, "approve", staff.reviewer)
    ticket = app.register_ticket(OPERATOR, channel="phone", caller_name=SECRETS["name"],
                                 caller_phone=SECRETS["phone"], area="临城街道",
                                 address=SECRETS["address"], category="城乡建设", kind="投诉",
                                 urgency="normal", title="噪音扰民",
                                 content=f"来电人{SECRETS['name']}反映楼下噪音", publish=True)
    return ticket


def _database_text(runtime, database_url: str) -> bytes:
    if database_url.startswith("sqlite"):
        path = database_url[len("sqlite:///"):]
        stem = path.rsplit(".", 1)[0]
        return b"".join(open(f, "rb").read() for f in sorted(glob.glob(f"{stem}*")))
    import psycopg
    chunks = []
    with psycopg.connect(database_url) as conn:
        tables = conn.execute("SELECT table_schema, table_name FROM information_schema.tables "
                              "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                              ).fetchall()
        for schema, table in tables:
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"'):
                chunks.append(repr(row).encode())
    return b"\n".join(chunks)


def test_no_personal_data_in_plaintext_at_rest(runtime, database_url):
    _generate(runtime.app)
    runtime.catch_up_all()
    runtime.catch_up_all()
    stored = _database_text(runtime, database_url)
    assert len(stored) > 10_000  # the scan saw the data
    found = [name for name, value in SECRETS.items()
             if value.encode() in stored or value.encode("unicode_escape") in stored]
    assert not found, f"found in plaintext at rest: {found}"
