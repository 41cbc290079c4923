"""What stands between the network and the workspace: host, access token, CSRF, body size.

- **Host.** Only requests naming the address the server was started on (or
  localhost) are answered: a page of another site that points its own name at
  127.0.0.1 (DNS rebinding) gets nothing.
- **Access token.** On any address but the loopback, every request needs the
  token printed at start: given once as ``?token=``, it is then kept in a cookie.
- **CSRF.** Every request that writes carries the page's token in the
  ``X-CSRF-Token`` header (htmx sends it from the page's ``hx-headers``); a
  request from another site cannot read it. An ``Origin`` header, when sent,
  must be this server's.
- **Size.** A request body over its route's limit is refused with 413, whether
  it says its length or not.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TOKEN_COOKIE = "poster_workspace_token"
CSRF_HEADER = "x-csrf-token"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_BODY = 64 * 1024  # a text edit, a review, a verification
MAX_LARGE_BODY = 6 * 1024 * 1024  # a whole campaign file (5 MB at most), an upload
LARGE_BODY_SUFFIXES = ("/source", "/assets")


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None  # required on any host but the loopback
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @classmethod
    def for_host(cls, host: str, port: int) -> Settings:
        token = None if host in LOOPBACK else secrets.token_urlsafe(24)
        return cls(host, port, token)

    @property
    def allowed_hosts(self) -> set[str]:
        names = {self.host, *LOOPBACK, "[::1]"} if self.host in LOOPBACK else {self.host}
        if self.host in ("0.0.0.0", "::"):
            names = set()  # any name: the token guards it
        return names


class BodyTooLarge(Exception):
    pass


def _plain(status: int, message: str, headers: list | None = None):
    body = message.encode("utf-8")
    return {
        "status": status,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            *(headers or []),
        ],
    }, body


class Guard:
    """ASGI middleware applying the rules above before any route sees the request."""

    state: object  # the routes' state (an app.App), set by create_app

    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings

    async def _answer(self, send, status: int, message: str, headers: list | None = None):
        start, body = _plain(status, message, headers)
        await send({"type": "http.response.start", **start})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        allowed = self.settings.allowed_hosts
        if allowed and name not in allowed and host not in allowed:
            return await self._answer(send, 400, "This workspace does not answer to that name.")

        token = self.settings.token
        if token:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            given = query.pop("token", None)
            if given is not None and hmac.compare_digest(given, token):
                cookie = SimpleCookie()
                cookie[TOKEN_COOKIE] = token
                cookie[TOKEN_COOKIE].update({"httponly": True, "samesite": "Strict", "path": "/"})  # type: ignore[arg-type]  # a flag takes True; typeshed says str
                # The path as sent (still percent-encoded): no decoded byte reaches a header.
                path = scope.get("raw_path", b"").decode("latin-1") or quote(scope["path"])
                location = path + (f"?{urlencode(query)}" if query else "")
                header = cookie.output(header="").strip().encode("latin-1")
                return await self._answer(
                    send,
                    303,
                    "Signed in.",
                    [(b"location", location.encode()), (b"set-cookie", header)],
                )
            cookies = SimpleCookie(headers.get("cookie", ""))
            kept = cookies.get(TOKEN_COOKIE)
            if kept is None or not hmac.compare_digest(kept.value, token):
                return await self._answer(
                    send, 403, "Open the workspace with the address `poster serve` printed "
                    "(it holds the access token)."
                )  # fmt: skip

        method = scope["method"]
        if method in WRITE_METHODS:
            sent = headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent, self.settings.csrf):
                return await self._answer(
                    send, 403, "This change did not come from a workspace page (no CSRF token): "
                    "reload the page and try again."
                )  # fmt: skip
            origin = headers.get("origin")
            if origin and origin != "null" and urlsplit(origin).netloc != host:
                return await self._answer(send, 403, "This change came from another site.")

        limit = MAX_LARGE_BODY if scope["path"].endswith(LARGE_BODY_SUFFIXES) else MAX_BODY
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return await self._answer(send, 400, "Malformed request (Content-Length).")
            if int(length) > limit:
                return await self._answer(send, 413, f"Too large: at most {limit:,} bytes.")

        received = 0
        started = False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watching_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if not started:
                await self._answer(send, 413, f"Too large: at most {limit:,} bytes.")
