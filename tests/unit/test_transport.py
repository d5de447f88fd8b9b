"""File names and atomic writes shared by every provider."""

from __future__ import annotations

from pathlib import Path

import pytest

import signport
from signport import DocumentKind
from signport.transport import (
    DownloadNames,
    atomic_copy,
    document_stem,
    download_filenames,
    pdf_filename,
    safe_filename,
    target_path,
)


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("..", "document.pdf"),
    ("", "document.pdf"),
    ("a\\b\\c.pdf", "c.pdf"),
    ("con:tract?.pdf", "con_tract_.pdf"),
    (".hidden.pdf", "hidden.pdf"),
    ("r\u00e9sum\u00e9.pdf", "r\u00e9sum\u00e9.pdf"),
    ("line\nbreak.pdf", "line_break.pdf"),
])
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_long_names_keep_their_extension() -> None:
    name = safe_filename("x" * 300 + ".pdf")
    assert len(name) <= 200
    assert name.endswith(".pdf")


@pytest.mark.parametrize(("name", "expected"), [
    ("a.PDF", "a.PDF"), ("contract", "contract.pdf"), ("  ", "document.pdf"), (None, "document.pdf"),
    ("dir/x", "x.pdf"),
])
def test_pdf_filename(name: str | None, expected: str) -> None:
    assert pdf_filename(name) == expected


def test_download_names_are_unique_case_insensitively() -> None:
    names = DownloadNames()
    assert [names(n) for n in ["a.pdf", "A.pdf", "a.pdf", "../a.pdf", "b"]] == [
        "a.pdf", "A (2).pdf", "a (3).pdf", "a (4).pdf", "b"]


def test_target_path_stays_inside(tmp_path: Path) -> None:
    assert target_path(tmp_path, "../../x.pdf") == tmp_path.resolve() / "x.pdf"


def test_atomic_copy_leaves_no_temp_file(tmp_path: Path) -> None:
    src = tmp_path / "src.pdf"
    src.write_bytes(b"%PDF-1.4 data")
    out = tmp_path / "out"
    dest = atomic_copy(src, out, "../copy.pdf")
    assert dest == out.resolve() / "copy.pdf"
    assert dest.read_bytes() == b"%PDF-1.4 data"
    assert [p.name for p in out.iterdir()] == ["copy.pdf"]


def test_atomic_copy_of_missing_source_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(FileNotFoundError):
        atomic_copy(tmp_path / "missing.pdf", out, "x.pdf")
    assert list(out.iterdir()) == []


def test_long_names_are_cut_by_bytes_not_characters() -> None:
    name = safe_filename("\u00e9" * 150 + "\u5408" * 100 + ".pdf")   # 600 bytes of UTF-8
    assert len(name.encode("utf-8")) <= 200
    assert name.endswith(".pdf")
    assert name.startswith("\u00e9")


def test_retry_after_with_an_unknown_zone_date() -> None:
    import httpx

    from signport.provider import retry_after

    # RFC 5322 "-0000": UTC with the source zone unknown; parses to a naive datetime.
    response = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 -0000"})
    assert retry_after(response) == 0.0
    later = httpx.Response(429, headers={"Retry-After": "Fri, 01 Jan 2100 00:00:00 -0000"})
    assert (retry_after(later) or 0) > 0


def test_downloaded_files_follow_the_umask(tmp_path: Path) -> None:
    import os

    src = tmp_path / "src.pdf"
    src.write_bytes(b"%PDF-1.4")
    old = os.umask(0o022)
    try:
        dest = atomic_copy(src, tmp_path / "out", "x.pdf")
    finally:
        os.umask(old)
    assert dest.stat().st_mode & 0o777 == 0o644


def test_pdf_filename_with_a_suffix_rebuilds_the_name() -> None:
    assert pdf_filename("NDA.PDF", suffix="-executed") == "NDA-executed.pdf"
    assert pdf_filename("EVIL.PDF", suffix="") == "EVIL.pdf"
    assert pdf_filename("../x", suffix="-audit") == "x-audit.pdf"


DOCS = ["nda.pdf", "Terms.PDF", "annex"]


@pytest.mark.parametrize(("kind", "expected"), [
    (DocumentKind.EXECUTED, ["nda.pdf", "Terms.pdf", "annex.pdf"]),
    (DocumentKind.ORIGINAL, ["nda-original.pdf", "Terms-original.pdf", "annex-original.pdf"]),
    (DocumentKind.COMBINED, ["nda-combined.pdf"]),
    (DocumentKind.AUDIT, ["nda-audit.pdf"]),
    (DocumentKind.SIGNER_COPIES, ["nda-Ann Lee.pdf", "nda-Bob Ray.pdf", "Terms-Ann Lee.pdf", "Terms-Bob Ray.pdf",
                                  "annex-Ann Lee.pdf", "annex-Bob Ray.pdf"]),
])
def test_one_name_scheme_per_kind_in_document_order(kind: DocumentKind, expected: list[str]) -> None:
    assert download_filenames(kind, DOCS, ["Ann Lee", "Bob Ray"]) == expected


def test_colliding_download_names_are_numbered() -> None:
    assert download_filenames(DocumentKind.EXECUTED, ["nda.pdf", "NDA.pdf", "x/nda.pdf"]) == [
        "nda.pdf", "NDA (2).pdf", "nda (3).pdf"]
    assert download_filenames(DocumentKind.SIGNER_COPIES, ["nda.pdf"], ["Ann Lee", "Ann Lee"]) == [
        "nda-Ann Lee.pdf", "nda-Ann Lee (2).pdf"]


def test_download_names_cannot_leave_the_folder() -> None:
    names = download_filenames(DocumentKind.SIGNER_COPIES, ["../../etc/passwd.pdf", ".."], ["a/../b", "c\\d"])
    assert names == ["passwd-a_.._b.pdf", "passwd-c_d.pdf", "document-a_.._b.pdf", "document-c_d.pdf"]
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)
    assert download_filenames(DocumentKind.COMBINED, []) == ["document-combined.pdf"]
    assert download_filenames(DocumentKind.EXECUTED, []) == []
    assert document_stem(" Report.PDF ") == "Report"


def test_parse_url_parses_each_url_once_and_shares_it() -> None:
    import httpx

    from signport.transport import parse_url

    url = "https://api.example.com/v1/packages/3fa85f64-5717-4562-b3fc-2c963f66afa6"
    first = parse_url(url)
    assert first == httpx.URL(url)
    assert parse_url(url) is first  # parsed once
    request = httpx.Request("GET", first, params={"a": "1"})
    assert str(request.url).endswith("?a=1")
    assert str(parse_url(url)) == url  # a request's params never touch the shared URL


def test_target_path_follows_a_link_only_to_check_where_it_leads(tmp_path: Path) -> None:
    folder, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    (folder / "out.pdf").symlink_to(elsewhere / "x.pdf")
    with pytest.raises(signport.ValidationError, match="outside"):
        target_path(folder, "out.pdf")
    (folder / "in.pdf").symlink_to(folder / "real.pdf")
    assert target_path(folder, "in.pdf") == folder.resolve() / "real.pdf"
    assert target_path(folder, "plain.pdf") == folder.resolve() / "plain.pdf"


def test_target_path_is_absolute_under_the_folder_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder is not resolved (only a link at the target is): a folder reached through a link is
    written through it, and a relative folder gives an absolute path."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    dest = target_path(tmp_path / "link", "../b.pdf")
    assert dest == tmp_path / "link" / "b.pdf"
    dest.write_bytes(b"%PDF-")
    assert (real / "b.pdf").read_bytes() == b"%PDF-"
    monkeypatch.chdir(tmp_path)
    assert target_path(Path("real"), "c.pdf") == tmp_path / "real" / "c.pdf"
