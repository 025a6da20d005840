"""`advisor fix`: the remedies that are edits of the experiment record, applied in place.

- `context`: `FixContext`, what an edit works with (the record file, the merged record, the
  findings it answers, the rules' resolved options): the interface a rule pack's edits use;
- `document`: a record file opened for editing (YAML, TOML, JSON backends keep its layout);
- `remedies`: the registered remedies (declared by the rule packs, see `advisor.remedy`), looked
  up by id, with their safety;
- `runner`: lint, apply, lint again, until nothing changes;
- `script_record`: `--write-record`, the record a training script shows, written beside it and fixed
  without contradicting the code.

`advisor lint` imports only the remedy lookups (a remedy names its edit without importing it) and
`document.is_record_file`, to say which findings `advisor fix` remedies; the edits, ruamel.yaml
and tomlkit load only when a file is fixed.
"""
