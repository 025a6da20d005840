"""`advisor fix`: the remedies that are edits of the experiment record, applied in place.

- `document`: a record file opened for editing (YAML, TOML, JSON backends keep its layout);
- `remedies`: remedy id -> edit and safety (safe, unsafe, needs training);
- `edits_model`, `edits_data`, `edits_protocol`: the edits, on the neutral document interface;
- `runner`: lint, apply, lint again, until nothing changes.
- `script_record`: `--write-record`, the record a training script shows, written beside it and fixed
  without contradicting the code.

`advisor lint` imports only the remedy table (which names its edits without importing them) and
`document.is_record_file`, to say which findings `advisor fix` remedies; the edits, ruamel.yaml
and tomlkit load only when a file is fixed.
"""
