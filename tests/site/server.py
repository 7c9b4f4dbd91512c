"""Serves the local copy of the site over HTTP on 127.0.0.1, in a thread or as a program."""

from __future__ import annotations

import hashlib
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.site import faults, search_api, templates
from tests.site.model import ArticleData, SiteModel

# Faults are injected into the articles of this section.
FAULTY_SECTION = "/world/asia_pacific"
ROBOTS_TXT = "User-agent: *\nDisallow: /search\nAllow: /\n"


class LocalSite:
    """Answers requests for paths of a SiteModel; counts what was asked for."""

    def __init__(self, model: SiteModel, article_delay: float = 0.0, conditional: bool = True) -> None:
        self.model = model
        self.article_delay = article_delay
        """Seconds each article page takes to answer: a slow site, for stopping a crawl half-way."""
        self.conditional = conditional
        """Whether article pages carry ETag and Last-Modified and answer 304 when unchanged."""
        self.not_modified: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self._failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self._gates: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def hold(self, path: str) -> threading.Event:
        """Keep requests for path waiting (at most a minute) until the returned event is set."""
        gate = self._gates[path] = threading.Event()
        return gate

    def fail(self, path: str, status: int, headers: dict[str, str] | None = None, times: int = 1) -> None:
        """Answer the next `times` requests for path with an error status (and headers)."""
        with self._lock:
            self._failures.setdefault(path, []).extend([(status, headers or {})] * times)

    def _picks(self, exclude: str) -> list[ArticleData]:
        others = [s for s in self.model.sections if s != exclude] or [exclude]
        section = others[0]
        count = min(3, self.model.sections.get(section, 0))
        return [self.model.article(section, i) for i in range(count)]

    def answer(
        self, path: str, request_headers: Mapping[str, str] | None = None, query: str = ""
    ) -> faults.Answer:
        """The answer to a request, faults included (a pause, a cut connection)."""
        if path == search_api.SEARCH_PATH:
            # One search URL's failures are given as path?query (tests/site/search_api.py, search_key).
            key = f"{path}?{query}"
            with self._lock:
                asked = self.requests[key]
                self.requests[key] += 1
                failures = self._failures.get(key)
                failure = failures.pop(0) if failures else None
            if failure:
                status, headers = failure
                html_type = {"Content-Type": "text/html; charset=utf-8"}
                return faults.Answer(
                    status, {**html_type, **headers}, f"<html><body>Error {status}</body></html>".encode()
                )
            return faults.Answer(*search_api.search_answer(self.model, query, asked))
        status, headers, body = self.respond(path, request_headers)
        found = self.model.find(path)
        kind = None
        if found and found[0].section == FAULTY_SECTION:
            article, page = found
            kind = self.model.page_faults.get((article.index, page)) or self.model.faults.get(article.index)
        answer = faults.Answer(status, headers, body)
        if kind and status == 200:
            return faults.apply(kind, path, answer, self.requests[path])
        return answer

    def respond(
        self, path: str, request_headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a path, as a well-behaved server sends them."""
        html_type = {"Content-Type": "text/html; charset=utf-8"}
        with self._lock:
            self.requests[path] += 1
            failures = self._failures.get(path)
            failure = failures.pop(0) if failures else None
        if failure:
            status, headers = failure
            return status, {**html_type, **headers}, f"<html><body>Error {status}</body></html>".encode()
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, ROBOTS_TXT.encode()
        if path.startswith("/rss/"):
            feed = search_api.rss_feed(self.model, path.removeprefix("/rss/"))
            if feed is not None:
                return 200, {"Content-Type": "application/rss+xml"}, feed
        if path == "/sitemap.xml" or re.fullmatch(r"/sitemap/\d+\.xml", path):
            part = None if path == "/sitemap.xml" else path.removeprefix("/sitemap/").removesuffix(".xml")
            return 200, {"Content-Type": "application/xml"}, search_api.sitemap(self.model, part)
        if path in ("/", "/index.html"):
            return 200, html_type, self._dressed(templates.home_page(self._picks("")), None)
        for section in self.model.sections:
            match = re.fullmatch(re.escape(section) + r"(?:/?|/page_(\d+)\.html)", path)
            if match:
                page = int(match.group(1) or 1)
                # Past the last page the site shows its list template with no items.
                entries = (
                    self.model.list_entries(section, page) if page <= self.model.page_count(section) else []
                )
                listing = templates.list_page(
                    section,
                    page,
                    entries,
                    self.model.page_count(section),
                    self._picks(section),
                    self.model.list_item_class,
                    self.model.foreign_links and page == 1,
                    self.model.list_templates.get(section, "classic"),
                )
                return 200, html_type, self._dressed(listing, section)
        top = path.rstrip("/")
        if top in self.model.navigation:
            # A top-level section's front page: its sub-menu and the first story of each subsection.
            featured = [self.model.article(s, 0) for s in self.model.navigation[top] if self.model.total(s)]
            return 200, html_type, self._dressed(templates.index_page(top, featured, self._picks(top)), top)
        found = self.model.find(path)
        if found:
            article, page = found
            if self.article_delay:
                time.sleep(self.article_delay)
            if (article.section, article.index) in self.model.gone:
                return self._missing(path)
            body = self._dressed(
                templates.article_page(article, page, self._picks(article.section)), article.section
            )
            if not self.conditional or article.index in self.model.faults:
                return 200, html_type, body
            validators = {
                "ETag": '"' + hashlib.sha1(body).hexdigest()[:20] + '"',
                "Last-Modified": format_datetime(article.updated.astimezone(UTC), usegmt=True),
            }
            if self._not_modified(request_headers or {}, validators, article.updated):
                with self._lock:
                    self.not_modified[path] += 1
                return 304, validators, b""
            return 200, {**html_type, **validators}, body
        link = self.model.dead_link(path)
        if link:
            return self._dead(link.kind, path)
        return self._missing(path)

    @staticmethod
    def _not_modified(headers: Mapping[str, str], validators: dict[str, str], updated: datetime) -> bool:
        """RFC 9110: If-None-Match decides when sent; else If-Modified-Since."""
        if "If-None-Match" in headers:
            return validators["ETag"] in [tag.strip() for tag in headers["If-None-Match"].split(",")]
        since = headers.get("If-Modified-Since")
        if since:
            try:
                return updated.replace(second=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _dressed(self, page: str, section: str | None) -> bytes:
        """A page with the model's menus in place of the real page's: the top menu shows the
        model's top-level sections, the sub-menu the section's menu."""
        page = page.replace(templates.real_header(), templates.header(tuple(self.model.navigation)), 1)
        menu = self.model.menu_of(section) if section else None
        top = next((t for t, subs in self.model.navigation.items() if section == t or section in subs), None)
        chosen = templates.submenu(menu[0], tuple(menu[1]), top) if menu else ""
        return page.replace(templates.real_submenu(), chosen, 1).encode()

    def _missing(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """What the site answers for a page it does not have: new-style article URLs get a
        not-found page with status 200, old-style ones a redirect to the home page."""
        if "/content_" in path:
            return 302, {"Location": "/"}, b""
        page = templates.not_found_page(self.model.not_found_style, path)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()

    def _dead(self, kind: str, path: str) -> tuple[int, dict[str, str], bytes]:
        html_type = {"Content-Type": "text/html; charset=utf-8"}
        if kind == "soft404":
            return self._missing(path)
        if kind == "hard404":
            return 404, html_type, templates.not_found_page().encode()
        if kind == "gone410":
            return 410, html_type, b"<html><body><h1>410 Gone</h1></body></html>"
        if kind == "redirect_home":
            return 302, {"Location": "/"}, b""
        if kind == "redirect_section":
            return 301, {"Location": "/world"}, b""
        if kind == "shared_redirect":
            target = self.model.article(next(iter(self.model.sections)), 0)
            return 302, {"Location": target.path()}, b""
        if kind == "thin":
            return 200, html_type, templates.thin_article_page(path).encode()
        return 503, html_type, b"<html><body>Service Unavailable</body></html>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: LocalSite

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        gate = self.site._gates.get(path)
        if gate is not None:
            gate.wait(60)
        answer = self.site.answer(path, dict(self.headers.items()), parts.query)
        if answer.delay:
            time.sleep(answer.delay)
        try:
            self._send(answer)
        except (BrokenPipeError, ConnectionResetError):
            # The client left (a timeout, a browser closing a page mid-load): nothing to answer.
            self.close_connection = True

    def _send(self, answer: faults.Answer) -> None:
        body = answer.body
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        # A short answer announces more than it sends.
        self.send_header("Content-Length", str(len(body) + (5000 if answer.transport == "short" else 0)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if answer.transport == "reset":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            # SO_LINGER with a zero timeout makes close() send a TCP reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.wfile.write(body)
        if answer.transport == "short":
            self.close_connection = True

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(site: LocalSite, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


@contextmanager
def serve(
    model: SiteModel | None = None, article_delay: float = 0.0, conditional: bool = True
) -> Iterator[tuple[str, LocalSite]]:
    """Serve a site on a free port of 127.0.0.1 while the block runs: (base URL, site)."""
    site = LocalSite(model or SiteModel(), article_delay, conditional)
    server = make_server(site)
    thread = threading.Thread(target=server.serve_forever, name="local-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
