"""Staff actions on a comment, shared by the console and the JSON API.

Each action has a Chinese label, an input schema, the roles that may take it, the states
it fits, and a call into the application service.
"""

from dataclasses import dataclass
from typing import Callable

from domain.status import Status

from . import schemas as s

S = Status
OPEN = (S.DISPATCHED, S.DRAFTED)


@dataclass(frozen=True)
class Action:
    label: str
    schema: type
    roles: tuple
    states: tuple
    run: Callable  # (app, tracking_no, actor, data) -> Comment
    needs_own_department: bool = False


ACTIONS: dict[str, Action] = {
    "accept": Action("受理", s.NoInput, ("reviewer",), (S.SUBMITTED,),
                     lambda a, n, who, d: a.accept_comment(n, who)),
    "reject": Action("不予受理", s.RejectIn, ("reviewer",), (S.SUBMITTED,),
                     lambda a, n, who, d: a.reject_comment(n, who, d["reason"], d["note"])),
    "dispatch": Action("交办", s.DepartmentIn, ("reviewer",), (S.ACCEPTED,),
                       lambda a, n, who, d: a.dispatch_comment(n, who, d["department"])),
    "transfer": Action("转办", s.TransferIn, ("reviewer",), (S.DISPATCHED,),
                       lambda a, n, who, d: a.transfer_comment(n, who, d["department"], d["reason"])),
    "return": Action("退单", s.ReasonIn, ("handler", "reviewer"), (S.DISPATCHED,),
                     lambda a, n, who, d: a.return_comment(n, who, d["reason"]), True),
    "draft": Action("拟写答复", s.ReplyIn, ("handler", "reviewer"), OPEN,
                    lambda a, n, who, d: a.draft_reply(n, who, d["content"]), True),
    "send_back": Action("退回答复", s.OptionalReasonIn, ("reviewer",), (S.DRAFTED,),
                        lambda a, n, who, d: a.send_back_reply(n, who, d["reason"])),
    "approve": Action("审签发布", s.NoInput, ("reviewer",), (S.DRAFTED,),
                      lambda a, n, who, d: a.approve_reply(n, who)),
    "reopen": Action("差评重办", s.OptionalReasonIn, ("reviewer",), (S.REPLIED, S.CLOSED),
                     lambda a, n, who, d: a.reopen_comment(n, who, d["reason"])),
    "close": Action("办结", s.CloseIn, ("reviewer",), (S.REPLIED,),
                    lambda a, n, who, d: a.close_comment(n, who, d["note"])),
    "withhold": Action("不予公开", s.ReasonIn, ("reviewer",), (),
                       lambda a, n, who, d: a.withhold_comment(n, who, d["reason"])),
    "release": Action("恢复公开", s.NoInput, ("reviewer",), (),
                      lambda a, n, who, d: a.release_comment(n, who)),
    "redact": Action("编辑公开内容", s.RedactIn, ("reviewer",), (),
                     lambda a, n, who, d: a.redact_comment(n, who, d["title"], d["content"])),
    "request_extension": Action("申请延期", s.ExtensionIn, ("handler", "reviewer"), OPEN,
                                lambda a, n, who, d: a.request_extension(n, who, d["days"],
                                                                         d["reason"]), True),
    "grant_extension": Action("批准延期", s.NoInput, ("reviewer",), OPEN,
                              lambda a, n, who, d: a.grant_extension(n, who)),
    "decline_extension": Action("不予延期", s.OptionalReasonIn, ("reviewer",), OPEN,
                                lambda a, n, who, d: a.decline_extension(n, who, d["reason"])),
}


def available_actions(comment, actor) -> list[str]:
    """The actions worth offering this actor on this comment now (the domain still decides)."""
    names = []
    for name, action in ACTIONS.items():
        if not actor.has_role("admin", *action.roles):
            continue
        if action.needs_own_department and not actor.sees_all_departments and (
                comment.department != actor.department):
            continue
        if not _fits(name, action, comment):
            continue
        names.append(name)
    return names


def _fits(name: str, action: Action, c) -> bool:
    if name == "release":
        return c.withheld
    if name == "withhold":
        return not c.withheld and c.status != S.REJECTED
    if name == "redact":
        return c.status != S.REJECTED
    if name == "request_extension":
        return c.status in action.states and c.extension is None
    if name in ("grant_extension", "decline_extension"):
        return c.extension == "requested"
    if name == "reopen":
        return c.status in action.states and c.rating_is_bad
    return c.status in action.states


def run_action(app, name: str, tracking_no: str, actor, data: dict):
    """Validate input with the action's schema and run it; unknown names are 404."""
    from domain.errors import NotFoundError

    action = ACTIONS.get(name)
    if action is None:
        raise NotFoundError(f"未知的操作：{name}")
    loaded = action.schema().load(data)
    return action.run(app, tracking_no, actor, loaded)
