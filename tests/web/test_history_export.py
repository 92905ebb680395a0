"""A supervisor exports the full history of an item or an account: every event with who,
when and, for staff, the client address; others may not."""

import csv
import io

from tests.support import submit
from tests.web.conftest import PASSWORD, login


def _rows(answer) -> list[list[str]]:
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff") and answer.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(text[1:])))


def _token(client, username):
    body = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.20.30.40"}).get_json()
    return {"Authorization": f"Bearer {body['token']}"}


def test_an_items_history_names_each_staff_actions_client_address(client, rt):
    no = submit(rt.app, content="=HYPERLINK(\"http://evil\")")["tracking_no"]
    reviewer = _token(client, "rev")
    accepted = client.post(f"/api/v1/staff/comments/{no}/accept", json={}, headers=reviewer,
                           environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert accepted.status_code == 200
    login(client, "sup")
    rows = _rows(client.get(f"/staff/history/comments/{no}.csv"))
    assert rows[0][:3] == ["时间", "版本", "操作人"]
    submitted, accept = rows[1], rows[2]
    assert submitted[2] == "citizen" and submitted[6] == ""
    assert accept[2] == "staff:rev" and accept[3] == "受理" and accept[6] == "10.20.30.40"
    assert "13812345678" not in "".join(submitted)  # contact details stay in the item


def test_a_cell_is_never_a_formula():
    from web.history import _cell
    assert _cell('=HYPERLINK("http://evil")') == """'=HYPERLINK("http://evil")"""
    assert _cell("-1+2") == "'-1+2" and _cell("受理") == "受理"


def test_an_accounts_history_lists_its_sign_ins_and_actions(client, rt):
    no = submit(rt.app)["tracking_no"]
    client.post("/api/v1/auth/token", json={"username": "rev", "password": "wrong-one"})
    reviewer = _token(client, "rev")
    client.post(f"/api/v1/staff/comments/{no}/accept", json={}, headers=reviewer)
    login(client, "sup")
    rows = _rows(client.get("/staff/history/accounts/rev.csv"))
    what = [row[3] for row in rows[1:]]
    assert what[0] == "Registered" and "login_failed" in what and "login" in what
    assert "accept" in what


def test_only_supervisors_and_admins_export(client, rt):
    no = submit(rt.app)["tracking_no"]
    login(client, "rev")
    assert client.get(f"/staff/history/comments/{no}.csv").status_code == 403
    assert client.get("/staff/history/accounts/rev.csv").status_code == 403
    login(client, "sup")
    assert client.get("/staff/history/comments/LY0.csv").status_code == 404
    assert client.get("/staff/history/accounts/nobody.csv").status_code == 404
