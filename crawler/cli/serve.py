"""`chinadaily-archive serve`: Datasette over a SQLite archive, read-only, with the saved queries and the dashboard."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy.engine import make_url

from pipelines.archive.errors import BadInput
from pipelines.archive.reader import ArchiveReader

# The canned queries and the dashboard, as `datasette archive.db --metadata queries/metadata.yml`
# uses them; they live in the project's queries/ folder beside the saved SQL.
METADATA = Path(__file__).resolve().parents[2] / "queries" / "metadata.yml"
DASHBOARD = "/-/dashboards/archive"


def sqlite_path(url: str) -> Path:
    """The SQLite file of an archive URL; BadInput for another database, which Datasette cannot serve."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise BadInput(
            "Datasette serves SQLite files: make a snapshot of this archive with "
            "`chinadaily-archive export --db URL --format sqlite -o archive.db`, then serve that file"
        )
    return Path(unquote(parsed.database))


def metadata_for(database: str) -> dict[str, Any]:
    """The project's Datasette metadata, for a database named after its file (not always archive.db)."""
    import yaml  # PyYAML comes with Datasette

    if not METADATA.is_file():
        raise BadInput(
            f"serve needs the project's {METADATA.parent.name}/ folder, which is not at {METADATA}"
        )
    metadata: dict[str, Any] = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    metadata["databases"] = {database: metadata["databases"]["archive"]}
    dashboards = copy.deepcopy(metadata["plugins"]["datasette-dashboards"])
    for dashboard in dashboards.values():
        for chart in dashboard["charts"].values():
            if "db" in chart:
                chart["db"] = database
    metadata["plugins"]["datasette-dashboards"] = dashboards
    return metadata


def serve(url: str, host: str, port: int) -> None:
    """Serve the archive until interrupted; its schema is checked first, and nothing is written."""
    path = sqlite_path(url)
    ArchiveReader(url).close()
    try:
        from datasette.cli import cli as datasette
    except ImportError:
        raise BadInput("serve needs Datasette: pip install -e '.[datasette]'") from None
    with tempfile.TemporaryDirectory() as folder:
        metadata = Path(folder) / "metadata.json"
        metadata.write_text(json.dumps(metadata_for(path.stem)), encoding="utf-8")
        arguments = ["serve", str(path), "--metadata", str(metadata), "--host", host, "--port", str(port)]
        # Datasette opens a file it may change with mode=ro connections for every query, and it
        # runs only SELECTs (no canned query here writes): nothing reaches the archive but reads.
        datasette.main(arguments, prog_name="datasette", standalone_mode=False)
