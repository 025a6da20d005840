"""`advisor init`: start an experiment record from the artifacts a project already has.

`found` looks through the paths a user gives for a Keras model, a training log, a data file, a
training script or notebook, an MLflow run and the files of a tuning tool, recognising each with
the readers' own cheap tests (advisor/readers/sniff.py). `document` reads each artifact with its
reader (a corrupt one is reported as lint would report it), then writes the record: it names the
artifacts by path (`model.file`, `history.file`, `data.path`, `source`, `tuning.file`), so lint
reads them as for any record, and leaves the decisions only the user can make as commented-out
entries, each with a `# TODO(advisor init):` line saying what to choose and why.
"""
