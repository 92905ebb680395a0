"""答复模板: canned replies per category, kept by reviewers and admins (console and API);
handlers pick one on the item page to start their draft."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from domain.errors import DomainError, InvalidValueError, NotFoundError
from domain.reply_templates import EDITORS, MAX_TEXT, MAX_TITLE

from .auth import current_actor, staff_required
from .errors import STATUS_BY_ERROR
from .extensions import runtime
from .jsonbody import json_body
from .schemas import _CONTROL

bp = Blueprint("reply_templates", __name__)
api_bp = Blueprint("reply_templates_api", __name__, url_prefix="/api/v1")


def _values(source) -> dict:
    """The form's or body's fields as text (cut to a little over their limits: the domain
    says what is too long); anything but text is a 422 naming the field."""
    values = {}
    for name, limit in (("category", 40), ("title", MAX_TITLE + 10), ("text", MAX_TEXT + 10),
                        ("id", 40)):
        value = source.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise InvalidValueError("须为文本", field=name)
        try:  # a lone surrogate can never be stored
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValueError("包含无效字符", field=name) from None
        values[name] = _CONTROL.sub("", value)[:limit]  # nor can NUL on PostgreSQL
    return values


def _page(status: int = 200, *, values: dict | None = None, errors: dict | None = None,
          message: str | None = None):
    app = runtime().app
    return render_template("staff/reply_templates.html",
                           templates=app.reply_template_listing(),
                           categories=app.categories(), values=values or {},
                           errors=errors or {}, message=message,
                           max_title=MAX_TITLE, max_text=MAX_TEXT), status


@bp.get("/staff/reply-templates")
@staff_required("handler", *EDITORS)
def page():
    return _page()


@bp.post("/staff/reply-templates")
@staff_required(*EDITORS)
def save():
    values = _values(request.form)
    try:
        runtime().app.save_reply_template(current_actor(), category=values["category"],
                                          title=values["title"], text=values["text"],
                                          template_id=values["id"] or None)
    except DomainError as e:
        field = e.details.get("field")
        return _page(STATUS_BY_ERROR.get(type(e), 422), values=values,
                     errors={field or "title": e.message}, message=f"未保存：{e.message}")
    flash(f"答复模板已保存：{values['title'].strip()}", "success")
    return redirect(url_for("reply_templates.page"), 303)


@bp.post("/staff/reply-templates/<template_id>/remove")
@staff_required(*EDITORS)
def remove(template_id: str):
    try:
        runtime().app.remove_reply_template(current_actor(), template_id[:40])
    except NotFoundError as e:
        return _page(404, message=e.message)
    flash("答复模板已删除", "success")
    return redirect(url_for("reply_templates.page"), 303)


# --- JSON API -------------------------------------------------------------------------

@api_bp.get("/staff/reply-templates")
@staff_required()
def api_list():
    """Every template, or those offered for one category (`category`)."""
    category = request.args.get("category")
    app = runtime().app
    items = app.reply_templates(category[:40]) if category else list(
        app.reply_template_listing())
    return {"items": items}


@api_bp.post("/staff/reply-templates")
@staff_required(*EDITORS)
def api_save():
    data = json_body()
    values = _values(data)
    template_id = runtime().app.save_reply_template(
        current_actor(), category=values["category"], title=values["title"],
        text=values["text"], template_id=values["id"] or None)
    return {"id": template_id}, 201


@api_bp.delete("/staff/reply-templates/<template_id>")
@staff_required(*EDITORS)
def api_remove(template_id: str):
    runtime().app.remove_reply_template(current_actor(), template_id[:40])
    return {"id": template_id, "removed": True}
