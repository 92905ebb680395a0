"""An optional captcha for the portal's comment form, as a hook the deployment supplies.

`CAPTCHA_HOOK=package.module:object` names an object with two methods:
- `widget() -> str`: HTML put into the form (a question, an image, a provider's widget;
  scripts must come from this site: the content security policy allows no others);
- `verify(form: dict, client_address: str) -> bool`: whether the submitted form passed.
Unset (the default), the form has no captcha. The hook is loaded once, at start-up, so a
wrong name stops the start rather than the first submission.
"""

import importlib
import logging

from markupsafe import Markup

from domain.errors import InvalidValueError

log = logging.getLogger(__name__)


def load_hook(spec: str):
    """The object `module:attribute` names, or None when `spec` is empty."""
    if not spec:
        return None
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"CAPTCHA_HOOK must look like package.module:object, got {spec!r}")
    hook = getattr(importlib.import_module(module_name), attribute)
    for method in ("widget", "verify"):
        if not callable(getattr(hook, method, None)):
            raise ValueError(f"CAPTCHA_HOOK {spec!r} has no {method}() method")
    return hook


class Captcha:
    def __init__(self, hook):
        self.hook = hook

    def widget(self) -> Markup:
        return Markup(self.hook.widget()) if self.hook is not None else Markup("")

    def verify(self, form: dict, client_address: str) -> None:
        """InvalidValueError (the form comes back with the message) unless it passed."""
        if self.hook is None:
            return
        try:
            passed = bool(self.hook.verify(dict(form), client_address))
        except Exception:  # noqa: BLE001 - a provider that fails lets citizens through
            log.exception("captcha hook failed; the submission is let through")
            passed = True  # (the abuse limits still apply)
        if not passed:
            raise InvalidValueError("验证未通过，请重新完成验证后提交", field="captcha")
