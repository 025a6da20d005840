"""`--format junit`: JUnit XML for CI systems that show test reports.

One test suite, `advisor`. Each linted file without findings is one passing test case; each
finding is one test case (class name: the file; name: code, rule name and position) holding a
`<failure>`; each input that could not be read is a test case holding an `<error>`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from advisor.reports import Report, display_path, error_dict, remedy_text

#: Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text)


def render(report: Report) -> str:
    """The JUnit XML document.

    Args:
        report: What to show.

    Returns:
        The XML text with its declaration, ending in a newline.
    """
    suites = ET.Element("testsuites", name="advisor")
    suite = ET.SubElement(suites, "testsuite", name="advisor")
    failing_files = {display_path(f.path) for f in report.findings}
    for path in sorted({display_path(p) for p in report.files} - failing_files):
        ET.SubElement(suite, "testcase", classname=_clean(path), name="advisor lint", file=_clean(path))
    for finding in report.findings:
        path = display_path(finding.path)
        where = f"{path}:{finding.line or 1}:{finding.column or 1}"
        subject = f" [{finding.subject}]" if finding.subject else ""
        case = ET.SubElement(suite, "testcase", classname=_clean(path),
                             name=_clean(f"{finding.code} {finding.name} at {where}{subject}"), file=_clean(path))
        if finding.line:
            case.set("line", str(finding.line))
        failure = ET.SubElement(case, "failure", message=_clean(finding.message), type=finding.severity.value)
        remedy = f"\nremedy: {remedy_text(finding)}" if finding.remedy else ""
        failure.text = _clean(f"{where}: {finding.code} [{finding.severity.value}] {finding.message}{remedy}")
    for error in report.errors:
        data = error_dict(error)
        case = ET.SubElement(suite, "testcase", classname=_clean(data["path"]), name="advisor lint",
                             file=_clean(data["path"]))
        ET.SubElement(case, "error", message=_clean(data["message"]), type="InputError").text = _clean(data["message"])
    total = len(suite)
    for element in (suites, suite):
        element.set("tests", str(total))
        element.set("failures", str(len(report.findings)))
        element.set("errors", str(len(report.errors)))
    suite.set("skipped", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
