"""Item pipelines and the archive they write: models, migrations, storage."""
