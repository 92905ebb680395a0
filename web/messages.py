"""Chinese wording for marshmallow's built-in (English) validation messages."""

import re

# marshmallow's built-in messages are English; the pages show them in Chinese.
_EXACT_MESSAGES = {
    "Missing data for required field.": "此项为必填项",
    "Field may not be null.": "此项不能为空",
    "Invalid value.": "无效的值",
    "Not a valid integer.": "须为整数",
    "Not a valid number.": "须为数字",
    "Number too large.": "数值过大",
    "Not a valid date.": "日期格式须为 YYYY-MM-DD",
    "Not a valid boolean.": "须为“是”或“否”",
    "Not a valid string.": "格式不正确",
    "Not a valid utf-8 string.": "格式不正确",
    "Not a valid email address.": "电子邮箱格式不正确",
    "String does not match expected pattern.": "格式不正确",
    "Unknown field.": "未知的字段",
    "Invalid input type.": "格式不正确",
}
_PATTERN_MESSAGES = (
    (re.compile(r"^Must be one of: .*\.$", re.S), lambda m: "不是可选的值"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: f"长度须在{m[1]}到{m[2]}个字符之间"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), lambda m: f"不能超过{m[1]}个字符"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), lambda m: f"不能少于{m[1]}个字符"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     lambda m: f"须在{m[1]}到{m[2]}之间"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), lambda m: f"不能小于{m[1]}"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), lambda m: f"不能大于{m[1]}"),
)


def chinese_errors(messages):
    """A ValidationError's messages with marshmallow's English defaults put into Chinese."""
    if isinstance(messages, dict):
        return {k: chinese_errors(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [chinese_errors(v) for v in messages]
    if isinstance(messages, str):
        if messages in _EXACT_MESSAGES:
            return _EXACT_MESSAGES[messages]
        for pattern, render in _PATTERN_MESSAGES:
            match = pattern.match(messages)
            if match:
                return render(match)
    return messages
