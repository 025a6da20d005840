"""The format of the rule case files (tests/rules/cases/<CODE>.yaml), validated as they load.

A key the format does not know fails the load, naming the file and the place, so a typo
(`findngs:`, `expcet:`) cannot quietly turn a check off; and every fail case states what it expects
of each finding (its pointer or a fragment of its message), not only that the rule fired. Like
sqlfluff's `RuleTestCase(**case)`.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExpectedFinding(_Strict):
    """One finding a fail case expects, in order."""

    pointer: Optional[str] = Field(None, description="The finding's record JSON pointer, exactly.")
    message: Optional[str] = Field(None, min_length=1, description="A fragment of the finding's message.")
    evidence: Optional[dict[str, Any]] = Field(None, description="A subset of the finding's evidence.")
    line: Optional[int] = Field(None, ge=1, description="The finding's line.")

    @model_validator(mode="after")
    def _states_what_it_expects(self) -> "ExpectedFinding":
        if self.pointer is None and self.message is None:
            raise ValueError("an expected finding needs its pointer or a fragment of its message")
        return self


class RuleCase(_Strict):
    """One named record the rule must pass or fail."""

    name: str = Field(min_length=1)
    expect: Literal["pass", "fail"]
    options: Optional[dict[str, Any]] = Field(None, description="The rule's options.")
    record: dict[str, Any]
    findings: Optional[list[ExpectedFinding]] = Field(None, description="Fail cases: the expected findings.")

    @model_validator(mode="after")
    def _findings_fit_the_expectation(self) -> "RuleCase":
        if self.expect == "fail" and not self.findings:
            raise ValueError("a fail case needs `findings`: what each finding's pointer or message is")
        if self.expect == "pass" and self.findings is not None:
            raise ValueError("a pass case expects no finding; remove `findings`")
        return self


class CaseFile(_Strict):
    """A rule's case file."""

    rule: str
    cases: list[RuleCase] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_are_unique(self) -> "CaseFile":
        names = [case.name for case in self.cases]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"case names repeat: {', '.join(repeated)}")
        return self


class CaseFileError(Exception):
    """A case file that does not follow the format (the message names the file and the place)."""


def load_case_file(path: str) -> CaseFile:
    """Read and validate one case file.

    Args:
        path: The YAML file.

    Returns:
        The validated cases.

    Raises:
        CaseFileError: an unknown key, a missing or wrong value, a fail case without expectations.
    """
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    try:
        return CaseFile.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, error['loc'])) or 'the file'}: {error['msg']}"
                             for error in exc.errors())
        raise CaseFileError(f"{path}: {problems}") from None
