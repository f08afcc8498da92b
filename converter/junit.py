"""A verify report as JUnit XML, the format CI systems show as test results.

One <testcase> per step (each legacy migration with its revision, each downgrade): a
difference or failure is a <failure> whose text is the readable diff, a migration that
raised is an <error> with its traceback, an irreversible revision or a step not run after
an earlier failure is <skipped>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from converter.verify_report import (
    DIFFERENT,
    ERROR,
    FAILED,
    IRREVERSIBLE,
    NOT_RUN,
    StepResult,
    VerifyReport,
    failure_lines,
)

SUITE_NAME = "converter verify"


def junit_xml(report: VerifyReport) -> str:
    cases = [_testcase(report, s) for s in report.steps]
    if report.error is not None:  # the run itself failed: one error case says why
        case = ET.Element("testcase", {"classname": "converter.verify", "name": "verify run"})
        ET.SubElement(
            case, "error", {"message": report.error.splitlines()[0], "type": "error"}
        ).text = report.error
        cases.append(case)
    suite = ET.Element(
        "testsuite",
        {
            "name": f"{SUITE_NAME} ({report.dialect})",
            "tests": str(len(cases)),
            "failures": str(sum(report.count(s) for s in (DIFFERENT, FAILED))),
            "errors": str(report.count(ERROR) + (report.error is not None)),
            "skipped": str(report.count(IRREVERSIBLE) + report.count(NOT_RUN)),
            "time": f"{report.seconds:.3f}",
        },
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("legacy_dir", str(report.legacy_dir)),
        ("alembic_dir", str(report.alembic_dir)),
        ("dialect", report.dialect),
        ("format", report.format),
        ("url", report.url or "temporary SQLite files"),
        ("mode", "stepwise" if report.stepwise else "final-only"),
    ):
        ET.SubElement(props, "property", {"name": name, "value": value})
    suite.extend(cases)
    if report.notes:
        ET.SubElement(suite, "system-out").text = "\n".join("note: " + n for n in report.notes)
    root = ET.Element("testsuites", {"name": SUITE_NAME, "tests": suite.get("tests", "0")})
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _testcase(report: VerifyReport, step: StepResult) -> ET.Element:
    case = ET.Element(
        "testcase",
        {
            "classname": f"converter.verify.{report.dialect}.{step.phase}",
            "name": f"{step.number:03d} {step.title}",
            "time": f"{step.seconds:.3f}",
        },
    )
    if step.legacy_file:
        case.set("file", step.legacy_file)
    text = "\n".join(failure_lines(step))
    if step.status in (DIFFERENT, FAILED):
        message = step.message or f"{step.status}: {step.title}"
        failure = ET.SubElement(
            case, "failure", {"message": message.splitlines()[0], "type": step.status}
        )
        failure.text = text
    elif step.status == ERROR:
        error = ET.SubElement(
            case, "error", {"message": (step.message or "error").splitlines()[0], "type": "error"}
        )
        error.text = text + ("\n\n" + step.detail if step.detail else "")
    elif step.status == IRREVERSIBLE:
        ET.SubElement(case, "skipped", {"message": step.message or "irreversible"})
    elif step.status == NOT_RUN:
        ET.SubElement(case, "skipped", {"message": "not run: an earlier step failed"})
    return case
