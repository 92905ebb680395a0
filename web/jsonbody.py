"""The request's JSON object, shared by every JSON endpoint."""

from flask import abort, request

MAX_DEPTH = 20  # no endpoint takes more than a few levels


def json_body(optional: bool = False) -> dict:
    """The request's JSON object (empty if optional and no body), or a 400 that says so:
    not JSON, nested too deep, or holding text no database can keep (NUL, lone surrogates).
    """
    if optional and not request.data:
        return {}
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the parser's own limit: a body nested ~1,000 deep
        abort(400, description=f"JSON 嵌套层数过多（最多 {MAX_DEPTH} 层）")
    if not isinstance(data, dict):
        abort(400, description="请求体须为 JSON 对象")
    problem = check_json(data)
    if problem:
        abort(400, description=problem)
    return data


def check_json(data: dict) -> str | None:
    """What is wrong with a parsed JSON object, if anything (iterative: no recursion).

    Keys anywhere and values below the top level must be storable text; the top-level
    values are the schemas' to check, field by field (a 422 naming the field)."""
    stack = [(value, 2) for value in data.values() if not isinstance(value, str)]
    for key in data:
        if not _storable(key):
            return "字段名含有无效字符"
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"JSON 嵌套层数过多（最多 {MAX_DEPTH} 层）"
        if isinstance(value, dict):
            for key, item in value.items():
                if not _storable(key):
                    return "字段名含有无效字符"
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and not _storable(value):
            return "内容含有无效字符（NUL 或不成对的代理字符）"
    return None


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800"
        return False
    return True
