"""signport.wire: tolerant timestamp parsing, strict formatting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from signport.wire import format_timestamp, parse_timestamp


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-03-02T20:08:41Z", datetime(2022, 3, 2, 20, 8, 41, tzinfo=UTC)),
        ("2022-03-02T20:08:41.2Z", datetime(2022, 3, 2, 20, 8, 41, 200000, tzinfo=UTC)),
        ("2022-03-02T20:08:41.261Z", datetime(2022, 3, 2, 20, 8, 41, 261000, tzinfo=UTC)),
        ("2022-03-02T20:08:41.261123Z", datetime(2022, 3, 2, 20, 8, 41, 261123, tzinfo=UTC)),
        ("2022-02-23T20:19:28.9357901Z", datetime(2022, 2, 23, 20, 19, 28, 935790, tzinfo=UTC)),
        ("2025-11-06T16:07:16.1913089Z", datetime(2025, 11, 6, 16, 7, 16, 191308, tzinfo=UTC)),
        ("2022-03-02T20:08:41.999999999Z", datetime(2022, 3, 2, 20, 8, 41, 999999, tzinfo=UTC)),
        ("2022-03-02T22:08:41+02:00", datetime(2022, 3, 2, 20, 8, 41, tzinfo=UTC)),
        ("2022-03-02T22:08:41+0200", datetime(2022, 3, 2, 20, 8, 41, tzinfo=UTC)),
        ("2022-03-02T18:08:41-02", datetime(2022, 3, 2, 20, 8, 41, tzinfo=UTC)),
        ("2022-03-02 20:08:41", datetime(2022, 3, 2, 20, 8, 41, tzinfo=UTC)),
        ("2022-03-02T20:08", datetime(2022, 3, 2, 20, 8, tzinfo=UTC)),
        ("2022-03-02", datetime(2022, 3, 2, tzinfo=UTC)),
        ("2022-03-02t20:08:41z", datetime(2022, 3, 2, 20, 8, 41, tzinfo=UTC)),
    ],
)
def test_parse_accepts_vendor_forms(text: str, expected: datetime) -> None:
    got = parse_timestamp(text)
    assert got == expected
    assert got is not None
    assert got.tzinfo is UTC


@pytest.mark.parametrize("value", [None, "", "   ", "<string>", "yesterday", "2022-13-02T00:00:00Z",
                                   "2022-02-30", 123, 1.5, [], {}, "2022-03-02T20:08:41+25:00"])
def test_parse_tolerates_garbage(value: object) -> None:
    assert parse_timestamp(value) is None


@pytest.mark.parametrize("value", ["<string>", "2022-13-02T00:00:00Z", 123])
def test_parse_strict_raises(value: object) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_timestamp(value, strict=True)


def test_parse_strict_still_allows_empty() -> None:
    assert parse_timestamp(None, strict=True) is None
    assert parse_timestamp("", strict=True) is None


def test_datetime_passes_through_as_utc() -> None:
    aware = datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert parse_timestamp(aware) == datetime(2030, 1, 1, 10, tzinfo=UTC)
    assert parse_timestamp(datetime(2030, 1, 1)) == datetime(2030, 1, 1, tzinfo=UTC)


def test_format() -> None:
    assert format_timestamp(datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)) == "2025-12-31T23:59:59Z"
    assert format_timestamp(datetime(2025, 12, 31, 23, 59, 59, 5, tzinfo=UTC)) == "2025-12-31T23:59:59.000005Z"
    plus2 = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2026, 1, 1, 1, 0, tzinfo=plus2)) == "2025-12-31T23:00:00Z"
    with pytest.raises(ValueError, match="naive"):
        format_timestamp(datetime(2025, 1, 1))


def test_round_trip() -> None:
    stamp = datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    assert parse_timestamp(format_timestamp(stamp)) == stamp


@pytest.mark.parametrize("value", ["3fa85f64-5717-4562-b3fc-2c963f66afa6", "a.b_c~d-E9", "a/b", "a b", "é",
                                   "100%", "a?b#c", "..", "x%2Fy"])
def test_path_segment_is_quote_without_safe_characters(value: str) -> None:
    from urllib.parse import quote

    from signport.wire import path_segment

    assert path_segment(value) == quote(value, safe="")
    assert "/" not in path_segment(value)


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-12-17T14:30:00Z", datetime(2024, 12, 17, 14, 30, tzinfo=UTC)),
    ("2024-02-29T23:59:59Z", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
    ("2023-02-29T10:00:00Z", None),  # no such day
    ("2024-12-17T24:00:00Z", None),
    ("2024-13-17T14:30:00Z", None),
    ("2024-12-17T14:30:00z", datetime(2024, 12, 17, 14, 30, tzinfo=UTC)),
    ("2024-12-17T14:3a:00Z", None),
    ("2024-12-17T14:30:\u0660\u0660Z", datetime(2024, 12, 17, 14, 30, tzinfo=UTC)),  # read the long way
])
def test_the_common_utc_form_reads_as_before(text: str, expected: datetime | None) -> None:
    got = parse_timestamp(text)
    assert got == expected
    assert got is None or got.tzinfo is UTC


def test_the_shortcut_agrees_with_the_long_way() -> None:
    """``parse_timestamp`` reads the common UTC form with the standard library; every generated string,
    valid or not (impossible dates, 0-9 and 30 fractional digits, other separators), reads the same as
    ``read_timestamp``'s general pattern."""
    from itertools import product

    from signport.wire import read_timestamp

    dates = ["2024-12-17", "2024-02-29", "2023-02-29", "2024-13-01", "0001-01-01", "9999-12-31", "2024-1a-01"]
    times = ["14:30:00", "23:59:59", "24:00:00", "00:00:60", "14:3a:00"]
    fractions = ["", ".", ".8", ".84", ".841562", ".8415620", ".841562999", "." + "9" * 30, ",5"]
    zones = ["Z", "z", "", "+00:00", "+01:30"]
    seen = 0
    for date, time, fraction, zone, sep in product(dates, times, fractions, zones, "T "):
        text = f"{date}{sep}{time}{fraction}{zone}"
        assert parse_timestamp(text) == read_timestamp(text), text
        seen += 1
    assert seen == 7 * 5 * 9 * 5 * 2


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-01T14:58:01.8415620Z", datetime(2026, 12, 1, 14, 58, 1, 841562, tzinfo=UTC)),
    ("2026-12-01T14:58:01.8Z", datetime(2026, 12, 1, 14, 58, 1, 800000, tzinfo=UTC)),
    ("2026-12-01T14:58:01.841562999Z", datetime(2026, 12, 1, 14, 58, 1, 841562, tzinfo=UTC)),
    ("2026-12-01T14:58:01.Z", None),
])
def test_fractions_read_by_the_shortcut(text: str, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected
