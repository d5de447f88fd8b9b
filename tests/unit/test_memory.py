"""A download never holds the whole document in memory."""

from __future__ import annotations

from pathlib import Path

from ..benchmarks.bench import download_memory


def test_streaming_download_peak_memory_is_a_small_fraction(tmp_path: Path) -> None:
    report = download_memory(size=16 * 1024 * 1024)
    ratio = float(report.split("= ")[1].split(" ")[0])
    assert ratio < 0.05, report
