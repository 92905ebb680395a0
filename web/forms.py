"""Action inputs as marshmallow schemas and form controls, built from the workflow.

Every staff action's schema (JSON API, console form, OpenAPI) comes from its `Input`
declarations: nothing here names an action.
"""

from flask import g
from marshmallow import ValidationError, fields, validate

from .schemas import Flag, FormSchema, required_messages, text_field

_schemas: dict = {}
_loaders: dict = {}  # (kind, action) -> an instance of its schema


def _field(spec) -> fields.Field:
    if spec.widget == "boolean":
        if spec.required:
            return Flag(required=True, error_messages=required_messages)
        return Flag(load_default=None, allow_none=True)
    if spec.widget == "departments":
        return fields.List(fields.String(validate=validate.Length(min=1, max=50)),
                           load_default=list, validate=validate.Length(max=20))
    if spec.widget == "photos":  # keys of the item's photos (domain/comments/photos.py)
        return fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                           load_default=list, validate=validate.Length(max=20))
    if spec.widget == "number":
        bounds = validate.Range(min=spec.minimum, max=spec.maximum)
        if spec.required:
            return fields.Integer(required=True, validate=bounds,
                                  error_messages=required_messages)
        return fields.Integer(load_default=None, allow_none=True, validate=bounds)
    if spec.widget == "choice":
        choice = validate.OneOf(list(spec.choices), error="不是可选的值")
        if spec.required:
            return fields.String(required=True, validate=choice,
                                 error_messages=required_messages)
        return fields.String(load_default="", validate=validate.OneOf(["", *spec.choices]))
    if spec.required:
        return text_field(spec.max_length)
    return fields.String(load_default="", validate=validate.Length(max=spec.max_length))


def action_schema(workflow, action) -> type:
    """The input schema of one action (cached; its name appears in the OpenAPI document)."""
    key = (workflow.kind, action.name)
    if key not in _schemas:
        name = "".join(p.title() for p in (workflow.kind, *action.name.split("_"))) + "In"
        _schemas[key] = FormSchema.from_dict(
            {spec.name: _field(spec) for spec in action.inputs}, name=name)
    return _schemas[key]


def action_loader(workflow, action):
    """One instance of the action's schema, kept (loading keeps no state in a schema, and
    building one costs more than a load)."""
    key = (workflow.kind, action.name)
    loader = _loaders.get(key)
    if loader is None:
        loader = _loaders[key] = action_schema(workflow, action)()
    return loader


def form_values(workflow, name: str, form) -> dict:
    """An HTML form's values for an action: lists for multiple choices, CRLF as LF."""
    lists = {spec.name for spec in workflow.action(name).inputs
             if spec.widget in ("departments", "photos")}
    return {k: (form.getlist(k) if k in lists else form.get(k, "").replace("\r\n", "\n"))
            for k in form}


def run_action(app, kind: str, number: str, name: str, actor, data: dict):
    """Validate the input with the action's schema and run it; returns the saved item."""
    workflow = app.workflows[kind]
    action = workflow.action(name)
    actor.require_role(*action.roles)  # who may ask comes before what they asked
    try:
        loaded = action_loader(workflow, action).load(data)
    except ValidationError:
        workflow.require_visible(app.get_item(kind, number), actor)  # another's item: 404
        raise
    item = app.act(kind, number, name, actor, **loaded)
    g.audit_item, g.audit_what = (kind, number, item.version), name  # web/history.py
    return item


def action_form(action, item) -> dict:
    """What the console needs to draw one action's form, prefilled from the item."""
    return {"name": action.name, "label": action.label, "style": action.style,
            "group": action.group, "main": action.main, "inputs": [
                {"name": spec.name, "label": spec.label, "widget": spec.widget,
                 "required": spec.required, "max_length": spec.max_length,
                 "minimum": spec.minimum, "maximum": spec.maximum, "hint": spec.hint,
                 "choices": dict(spec.choices or {}),
                 "value": _prefill(item, spec)}
                for spec in action.inputs]}


def _prefill(item, spec):
    value = getattr(item, spec.prefill, None) if spec.prefill else None
    if spec.widget in ("departments", "photos"):
        return list(value or [])
    return value or ""
