"""Explaining whole datasets: a job's names resolved once, batches streamed through it, results kept
as shards that a run can resume from; locally, or on a Dask cluster (:mod:`.distributed`)."""
