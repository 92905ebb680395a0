"""The sensitivity lexicon for the opinion team: JSON API and a console page; every edit
is an event (domain/lexicons.py)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from domain.errors import DomainError
from domain.lexicons import EDITS, SETTINGS
from domain.sensitivity import EMERGENCY, EMERGENCY_KINDS, OTHER_EMERGENCY

from ..auth import current_actor, staff_required
from ..extensions import runtime
from ..jsonbody import json_body

api = Blueprint("lexicon_api", __name__, url_prefix="/api/v1/staff/lexicon")
console = Blueprint("lexicon_console", __name__, url_prefix="/staff/lexicon")

SETTING_LABELS = {"threshold": "预警分值阈值", "urgent_weight": "紧急工单加分",
                  "spike_count": "聚集件数", "spike_window_minutes": "聚集时间窗口（分钟）"}
EDIT_LABELS = {"set_term": "已保存词语", "remove_term": "已删除词语",
               "add_exclusion": "已添加排除词", "remove_exclusion": "已删除排除词",
               "change_settings": "已保存设置"}


def lexicon_dict() -> dict:
    lexicon, version = runtime().app.current_lexicon()
    return {"version": version, "topics": lexicon.topics, "emergency": lexicon.emergency,
            "emergency_kinds": {t: lexicon.emergency_kinds.get(t) or OTHER_EMERGENCY
                                for t in lexicon.emergency},
            "exclusions": list(lexicon.exclusions),
            "settings": {name: getattr(lexicon, name) for name in SETTINGS},
            "terms": lexicon.terms()}


@api.get("")
@staff_required("opinion")
def show():
    """The lexicon as the escalation process uses it now."""
    return lexicon_dict()


@api.post("/<edit>")
@staff_required("opinion")
def edit(edit: str):
    """One edit: set_term (topic, term, weight; for an emergency term also its kind, e.g.
    火灾爆炸), remove_term (topic, term), add_exclusion
    or remove_exclusion (phrase), change_settings (threshold, urgent_weight, spike_count,
    spike_window_minutes)."""
    if edit not in EDITS:
        from domain.errors import NotFoundError
        raise NotFoundError(f"未知的操作：{edit}")
    body = json_body()
    if not isinstance(body, dict):
        from domain.errors import InvalidValueError
        raise InvalidValueError("请求体须为 JSON 对象")
    runtime().app.edit_lexicon(current_actor(), edit, **body)
    return lexicon_dict()


@console.get("")
@staff_required("opinion")
def page():
    return render_template("staff/lexicon.html", lexicon=lexicon_dict(), emergency=EMERGENCY,
                           kinds=[*EMERGENCY_KINDS, OTHER_EMERGENCY],
                           setting_labels=SETTING_LABELS)


@console.post("/<edit>")
@staff_required("opinion")
def edit_form(edit: str):
    values = {k: v for k, v in request.form.to_dict().items()
              if k != "csrf_token" and not (k == "kind" and not v)}
    try:
        if edit not in EDITS:
            raise DomainError(f"未知的操作：{edit}")
        runtime().app.edit_lexicon(current_actor(), edit, **values)
    except DomainError as e:
        flash(getattr(e, "message", str(e)), "error")
    else:
        flash(EDIT_LABELS[edit], "success")
    return redirect(url_for("lexicon_console.page"), 303)
