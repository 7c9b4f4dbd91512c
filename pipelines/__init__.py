"""Item pipelines (dedup, storage) and the archive package they write to."""
