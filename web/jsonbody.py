"""The request's JSON object, shared by every JSON endpoint."""

from flask import abort, request


def json_body(optional: bool = False) -> dict:
    """The request's JSON object (empty if optional and no body), or a 400 that says so."""
    if optional and not request.data:
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="请求体须为 JSON 对象")
    return data
