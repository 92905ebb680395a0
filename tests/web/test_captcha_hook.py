"""The optional captcha hook of the portal form: off by default; when configured, its
widget is in the form and a submission that fails it comes back with the text kept."""

import pytest

from web import create_app
from web.captcha import load_hook

FORM = {"title": "路灯不亮", "content": "小区路灯坏了三天，特此反映，望予处理。", "kind": "投诉", "category": "城乡建设"}


class ArithmeticHook:
    """A stand-in provider: the answer is 7."""

    @staticmethod
    def widget():
        return '<label for="f-captcha-answer">3 + 4 = ?</label>' \
               '<input id="f-captcha-answer" name="captcha_answer">'

    @staticmethod
    def verify(form, client_address):
        return form.get("captcha_answer") == "7"


class BrokenHook(ArithmeticHook):
    @staticmethod
    def verify(form, client_address):
        raise RuntimeError("provider down")


def _client(rt, hook):
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False,
                       "CAPTCHA_HOOK": f"tests.web.test_captcha_hook:{hook}"}, runtime=rt
                      ).test_client()


def test_without_a_hook_the_form_has_no_captcha(client):
    assert "captcha" not in client.get("/comments/new").get_data(as_text=True)
    assert client.post("/comments/new", data=FORM).status_code == 200


def test_a_configured_hook_guards_the_form(rt):
    client = _client(rt, "ArithmeticHook")
    assert "3 + 4 = ?" in client.get("/comments/new").get_data(as_text=True)
    failed = client.post("/comments/new", data={**FORM, "captcha_answer": "8"})
    html = failed.get_data(as_text=True)
    assert failed.status_code == 422 and "验证未通过" in html and "小区路灯坏了三天" in html
    assert client.post("/comments/new", data={**FORM, "captcha_answer": "7"}).status_code == 200


def test_a_broken_provider_lets_citizens_through(rt):
    assert _client(rt, "BrokenHook").post("/comments/new", data=FORM).status_code == 200


def test_a_wrong_hook_name_stops_the_start():
    for spec in ("nonsense", "tests.web.test_captcha_hook:Nothing", "json:dumps"):
        with pytest.raises((ValueError, AttributeError)):
            load_hook(spec)
