"""Run the local copy of the site: python -m tests.site --port 8000 [--articles N | --whole-site]."""

from __future__ import annotations

import argparse

from tests.site.model import SiteModel, whole_site_model
from tests.site.server import LocalSite, make_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--articles", type=int, default=45, help="articles in World > Asia-Pacific")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--whole-site",
        action="store_true",
        help="12 sections under 7 menus in three list templates, for scrapy crawl site",
    )
    parser.add_argument(
        "--page-fault",
        action="append",
        default=[],
        metavar="INDEX:PAGE:KIND",
        help="answer a page of an Asia-Pacific article with a fault, e.g. 19:3:http_503 (repeatable)",
    )
    args = parser.parse_args()
    page_faults = {}
    for fault in args.page_fault:
        index, page, kind = fault.split(":")
        page_faults[(int(index), int(page))] = kind
    if args.whole_site:
        model = whole_site_model(seed=args.seed, page_faults=page_faults)
    else:
        model = SiteModel(
            {"/world/asia_pacific": args.articles, "/world/europe": 6},
            seed=args.seed,
            page_faults=page_faults,
        )
    server = make_server(LocalSite(model), args.port, args.host)
    host, port = server.server_address[:2]
    start = "/" if args.whole_site else "/world/asia_pacific"
    print(f"Local China Daily on http://{host}:{port}{start}  (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
