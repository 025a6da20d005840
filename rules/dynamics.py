"""Rules of this family are added by the rule-pack issue."""

RULES: list[type] = []
