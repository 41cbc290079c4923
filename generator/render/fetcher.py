"""The only way the renderer reaches a file: inside the project's templates/ and assets/.

WeasyPrint fetches every stylesheet, image and font a document names. A
template or a campaign from outside the team could name ``file:///etc/passwd``
or a web address; this fetcher serves ``data:`` URLs and regular files under
the allowed folders, after resolving links, and refuses everything else. Each
refusal is recorded and logged with the poster and template, and with the
campaign field the URL came from when it came from one (an asset path), so the
build can fail the poster and say where.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..campaign.loader import format_loc
from ..errors import Field
from .asset_check import verify_picture

LOGGER = logging.getLogger(__name__)
ALLOWED_FOLDERS = ("templates", "assets")
MAX_RESOURCE_BYTES = 50_000_000


class RefusedURL(ValueError):
    pass


class ProjectURLFetcher(URLFetcher):
    def __init__(
        self,
        project: Path,
        context: str = "",
        field_of: Callable[[str], Field | None] = lambda url: None,
    ) -> None:
        super().__init__(timeout=1, allowed_protocols={"file", "data"}, allow_redirects=False)
        self.project, self.assets = project, (project / "assets").resolve()
        self.roots = [(project / folder).resolve() for folder in ALLOWED_FOLDERS]
        self.context = context  # which poster and template asked, for the log
        # The campaign field a URL came from, asked when the URL is refused: the poster's
        # context records its URLs while its template renders, after this fetcher is made.
        self.field_of = field_of
        self.refused: list[str] = []
        self.refused_field: Field | None = None  # the first refused URL's field, if known

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            self._refuse(url, "only project files and data: URLs are served")
        path = self.resolve(url)
        content_type = mimetypes.guess_type(path.name)[0] or ""
        picture = content_type.startswith("image/") or (
            path.is_relative_to(self.assets) and not content_type.startswith(("text/css", "font"))
        )
        if picture:  # pictures a template names (or an SVG shows) are verified too
            problem = verify_picture(path, self.project)
            if problem:
                self._refuse(url, f"broken picture: {problem}")
        return URLFetcherResponse(
            url,
            body=path.read_bytes(),
            headers={
                "Content-Type": mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            },
        )

    def resolve(self, url: str) -> Path:
        """The real file behind a file: URL, if it lies inside an allowed folder."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            self._refuse(url, "file URLs on other hosts are not served")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            self._refuse(url, "outside the project's templates/ and assets/")
        if not path.is_file():
            self._refuse(url, "no such file")
        if path.stat().st_size > MAX_RESOURCE_BYTES:
            self._refuse(url, f"larger than {MAX_RESOURCE_BYTES:,} bytes")
        return path

    def _refuse(self, url: str, why: str):
        message = f"refused {url[:200]}: {why}"
        self.refused.append(message)
        field = self.field_of(url)
        if field and self.refused_field is None:
            self.refused_field = field
        source = f" (from campaign field {format_loc(field)})" if field else ""
        LOGGER.warning("%s%s%s", f"{self.context}: " if self.context else "", message, source)
        raise RefusedURL(message)
