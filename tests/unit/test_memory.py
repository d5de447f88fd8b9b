"""A download never holds the whole document in memory."""

from __future__ import annotations

from pathlib import Path

from ..benchmarks.bench import download_memory


def test_streaming_download_peak_memory_is_a_small_fraction(tmp_path: Path) -> None:
    report = download_memory(size=16 * 1024 * 1024)
    ratio = float(report.split("= ")[1].split(" ")[0])
    assert ratio < 0.05, report


def test_one_gib_download_grows_peak_rss_by_at_most_20_mib() -> None:
    """Measured by the kernel (VmHWM) in a fresh process while a streamed body of 1 GiB goes to disk."""
    from ..benchmarks.memory import measure

    growth = measure("download", "1024")
    assert growth <= 20 * 1024 * 1024, f"peak RSS grew by {growth / 2**20:.1f} MiB"


def test_upload_from_bytes_peaks_no_higher_than_raw_httpx() -> None:
    """A 200 MiB document given as bytes: ``send`` on the iinked fake (in its own process) vs raw httpx
    posting the same bytes to the same fake; peak RSS growth within 5%."""
    from ..benchmarks.fakes import fake_process
    from ..benchmarks.memory import measure

    with fake_process("iinked", "memory-key") as url:
        raw = measure("upload", "200", url, "memory-key", "raw")
        ours = measure("upload", "200", url, "memory-key", "signport")
    assert raw >= 200 * 1024 * 1024  # the baseline holds the document at least once
    assert ours <= 1.05 * raw, f"send peak {ours / 2**20:.0f} MiB vs raw httpx {raw / 2**20:.0f} MiB"
