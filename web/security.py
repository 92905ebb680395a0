"""Response headers every page and API answer carries: a content security policy that
allows only this site's scripts, no framing, no MIME sniffing, a strict referrer policy,
and `Cache-Control: no-store` on anything private (staff pages and APIs, the citizen's
own item, receipts with a query code), so no shared cache or back button keeps it."""

from flask import request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Paths whose answers are about one person or need a signed-in member of staff.
PRIVATE_PREFIXES = ("/staff", "/api/v1/staff", "/api/v1/me", "/api/v1/auth", "/follow",
                    "/comments/new", "/api/v1/comments")


HEADER_ITEMS = tuple((name.lower(), name, value) for name, value in HEADERS.items())
_VALIDATORS = ("etag", "last-modified")


def is_private() -> bool:
    return private_path(request.path, request.method, "Authorization" in request.headers)


def private_path(path: str, method: str, authorized: bool) -> bool:
    return (path.startswith(PRIVATE_PREFIXES) or authorized
            or path.startswith("/api/v1/") and method != "GET")


def add_headers(response):
    secure(response.headers, is_private(), request.is_secure)
    return response


def secure(headers, private: bool, https: bool) -> None:
    """The headers above where a view has not set its own; one pass over the response's
    headers (this runs on every answer, so no look-up per header name)."""
    present = {name.lower() for name, _ in headers.items()}
    headers.extend([(name, value) for lower, name, value in HEADER_ITEMS
                    if lower not in present])
    if private:
        headers["Cache-Control"] = "no-store"
        for name in _VALIDATORS:
            if name in present:
                del headers[name]
    if https and "strict-transport-security" not in present:
        headers["Strict-Transport-Security"] = "max-age=31536000"


def init_app(app, secure_cookies: bool) -> None:
    """Headers on every response; cookies marked Secure when the site is served over HTTPS
    (SECURE_COOKIES=1), and then with the __Host- prefix that binds them to this host."""
    app.after_request(add_headers)
    if secure_cookies:
        app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME="__Host-session")
