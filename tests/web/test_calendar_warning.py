"""The staff console warns while a year that deadlines reach has no official schedule."""

from domain.actors import SYSTEM_ACTOR
from tests.integration.test_calendar_import import SCHEDULE
from tests.web.conftest import login

WARNING = "2027 年的国务院节假日安排尚未导入"


def test_the_console_warns_until_next_years_schedule_is_imported(client, rt, web_clock):
    login(client, "rev")
    assert WARNING not in client.get("/staff/").get_data(as_text=True)  # September
    web_clock.set_local(2026, 12, 1)
    login(client, "rev")  # the old session has expired meanwhile
    page = client.get("/staff/").get_data(as_text=True)
    assert WARNING in page and "请联系系统管理员导入" in page
    assert WARNING not in client.get("/").get_data(as_text=True)  # not on public pages
    rt.app.import_schedule(SYSTEM_ACTOR, SCHEDULE)
    assert WARNING not in client.get("/staff/").get_data(as_text=True)
