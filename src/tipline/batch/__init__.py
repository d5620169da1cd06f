"""Archive-wide jobs on Dask: `tipline batch analyze` re-analyses every stored case, `tipline
batch link` re-links the whole archive. The same code runs on a local cluster of processes
(the default) and on a `dask scheduler` address; the driver alone talks to the database."""
