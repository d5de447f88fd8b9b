"""The benchmark (tests/benchmarks) still runs: each kind of row once, tiny, on fakes in this process.

No timing is asserted (that is the benchmark's job, on a quiet machine); these only keep it from
breaking silently when the code it measures changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from signport.fakeserver import serve

from ..benchmarks import bench, flows, parsing, table
from ..benchmarks.fakes import app
from ..benchmarks.replay import ID


@pytest.fixture(autouse=True)
def one_call_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table, "BATCH_SECONDS", 0.0)
    monkeypatch.setattr(flows, "FLOW_BATCH_SECONDS", 0.0)


@pytest.fixture(params=sorted(flows.VENDORS))
def vendor_fake(request: pytest.FixtureRequest) -> Iterator[tuple[flows.Vendor, str]]:
    with serve(app(request.param, table.KEY, auto_complete=True)) as url:
        yield flows.VENDORS[request.param], url


def test_flow_rows_run_against_the_fakes(vendor_fake: tuple[flows.Vendor, str]) -> None:
    """Each replays signport's requests with raw httpx and checks the statuses match (ids carried over)."""
    vendor, url = vendor_fake
    for row in (flows.flow_row(vendor, url, 1), flows.async_flow_row(vendor, url, 1), flows.get_row(vendor, url, 1)):
        assert row.figure.startswith(vendor.title)
        assert row.ratio > 0
        assert row.low <= row.ratio <= row.high
        assert "request" in row.note


@pytest.mark.parametrize("bound", [True, False])
def test_concurrency_row_runs(vendor_fake: tuple[flows.Vendor, str], bound: bool) -> None:
    vendor, url = vendor_fake
    row = flows.concurrency_row(vendor, url, 5, 1, bound=bound)
    assert row.goal == "≥ 0.95x"
    assert row.ratio > 0


def test_the_full_flow_downloads_the_signed_documents(vendor_fake: tuple[flows.Vendor, str], tmp_path: Path) -> None:
    """The script of the full flow ends with the downloads, made possible by the fakes' auto_complete."""
    vendor, url = vendor_fake
    with vendor.connect(url) as client:
        env = flows.sample(client)
    script = flows.record(vendor, url, lambda c: flows.full_flow(c, env, vendor.kind, tmp_path))
    written = sorted(p.name for p in tmp_path.iterdir())
    downloads = [s for s in script.steps if s.download]
    assert downloads
    assert len(written) == len(downloads)
    assert all(ID.search(s.url) for s in downloads)


@pytest.mark.parametrize("provider", sorted(parsing.PAYLOADS))
def test_parsing_row_runs_on_a_small_payload(provider: str) -> None:
    row = parsing.parsing_row(provider, 1, documents=10)
    assert row.figure == parsing.name(provider, 10)
    assert "per document at 10 vs 1" in row.note


def test_only_runs_the_matching_rows(capsys: pytest.CaptureFixture[str]) -> None:
    rows = bench.table(1, quick=True, only="easyink: PARSE")
    assert [r.figure for r in rows] == [parsing.name("easyink")]
    assert capsys.readouterr().out.splitlines() == [rows[0].line()]


def test_every_row_of_the_table_is_a_step() -> None:
    """One step per row of the issue's table (per vendor where it names vendors), none started here."""
    with ExitStack() as stack:
        names = [s.name for s in bench.steps(bench.Fakes(stack), 1, quick=False)]
    assert len(names) == len(set(names))
    for vendor in ("iinked", "EasyInk"):
        assert sum(n.startswith(f"{vendor}:") for n in names) == 6  # sync and async flows, get, 2 concurrent, parse
    assert table.IMPORT in names
    assert bench.LOCAL in names
    assert table.HELP in names
    assert table.download_name(1024) in names
    assert table.upload_name(200) in names
