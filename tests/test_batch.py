"""Large batches are linted in worker processes; the report must equal a single-process run."""

from __future__ import annotations

import json

from advisor.lint import PARALLEL_MIN_INPUTS
from tests.advisor_cli import BAD_RECORD, GOOD_RECORD, run_advisor


def test_parallel_batch_matches_serial_run(tmp_path):
    count = PARALLEL_MIN_INPUTS + 50
    for index in range(count):
        folder = tmp_path / "runs" / f"run{index:04d}"
        folder.mkdir(parents=True)
        (folder / "experiment.yaml").write_text(BAD_RECORD if index % 3 == 0 else GOOD_RECORD)
    (tmp_path / "runs" / "broken").mkdir()
    (tmp_path / "runs" / "broken" / "experiment.yaml").write_text("model: [unclosed\n")

    def lint(env):
        result = run_advisor("lint", "--no-cache", "--format", "json", "runs", cwd=tmp_path, env=env, timeout=120)
        assert result.returncode == 2, result.stderr  # the broken record
        assert result.stderr.count("advisor: error:") == 1 and "broken" in result.stderr
        return json.loads(result.stdout)

    parallel, serial = lint({}), lint({"ADVISOR_JOBS": "1"})
    assert parallel["findings"] == serial["findings"]
    assert parallel["summary"]["files"] == count
    assert sum(f["code"] == "MC01" for f in parallel["findings"]) == len(range(0, count, 3))
