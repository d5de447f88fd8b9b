"""The local provider's benchmark row still runs, and its baseline does the same work as signport (the same
signatures at the same places). No timing is asserted."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

import signport

from ...benchmarks import local, table


def test_the_row_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "BATCH_SECONDS", 0.0)
    row = local.local_row(1, pages=3)
    assert row.ratio > 0
    assert row.goal == "≤ 1.5x"


def test_the_benchmark_runs_the_row_in_a_process_of_its_own() -> None:
    row = local.row_in_process(1, pages=3)
    assert isinstance(row, table.Row)
    assert row.ratio > 0
    assert row.low <= row.ratio <= row.high
    assert "own process" in row.note


def test_the_baseline_signs_as_signport_does(tmp_path: Path) -> None:
    source = tmp_path / "agreement.pdf"
    source.write_bytes(local.source_pdf(4))
    local.baseline(source, tmp_path / "baseline.pdf", 4)
    (tmp_path / "ours").mkdir()
    with signport.connect("local", path=tmp_path / "store") as client:
        local.ours(client, source, tmp_path / "ours" / "executed.pdf", 4)
    for path in (tmp_path / "baseline.pdf", tmp_path / "ours" / "executed.pdf"):
        pages = [page.extract_text() for page in pypdf.PdfReader(path).pages]
        assert len(pages) == 4
        assert "Ann Lee" in pages[0]
        assert "Bob Ray" in pages[3]
        assert "signed 20" in pages[0]
