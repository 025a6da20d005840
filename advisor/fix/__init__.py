"""`advisor fix`: the remedies that are edits of the experiment record, applied in place.

- `document`: a record file opened for editing (YAML, TOML, JSON backends keep its layout);
- `remedies`: remedy id -> edit and safety (safe, unsafe, needs training);
- `edits_model`, `edits_data`, `edits_protocol`: the edits, on the neutral document interface;
- `runner`: lint, apply, lint again, until nothing changes.

Nothing here is imported by `advisor lint`; ruamel.yaml and tomlkit load only when a file is fixed.
"""
