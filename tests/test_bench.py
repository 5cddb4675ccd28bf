"""The benchmark runs (CI's smoke size): every measurement is taken and reported; no timing is asserted."""

import subprocess
import sys

from conftest import ROOT


def test_bench_smoke_size_measures_every_target(tmp_path):
    results = tmp_path / "RESULTS.md"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "1", "--results", str(results)],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    text = results.read_text(encoding="utf-8")
    targets = text.split("## Targets", 1)[1].split("## Measurements", 1)[0]
    rows = [line for line in targets.splitlines() if line.startswith("| ") and not line.startswith("| Target")]
    assert len(rows) == 6
    measured = text.split("## Measurements", 1)[1].split("## Method", 1)[0]
    for task in ("deck, cold", "deck, nothing changed", "deck, one answer changed", "pdf, cold", "all, cold",
                 "all, nothing changed", "all, one answer changed"):
        assert f"| 1× | {task} |" in measured
    assert "unavailable" not in measured and "cards 51 / 51" in measured  # both built the same cards
