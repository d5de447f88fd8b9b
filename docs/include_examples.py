"""Keep the code blocks of README.md and docs/ equal to the files under examples/ they show.

A block is tied to a file by an HTML comment on the line above its opening fence:

    <!-- include: examples/quickstart.py -->
    ```python
    ...the file's text...
    ```

``examples/send_and_follow.py:send`` shows only the part between ``# --8<-- [start:send]`` and
``# --8<-- [end:send]`` in that file (the markers themselves are left out). The files are the truth:
they are run by the tests and type-checked with ``mypy --strict``; this script copies them into the
documents. ``python docs/include_examples.py`` lists blocks that differ, ``--write`` updates them.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = re.compile(r"^<!-- include: (?P<path>[\w./-]+)(?::(?P<part>[\w-]+))? -->\n"
                     r"(?P<fence>```(?P<lang>\w*)\n)(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
FENCE = re.compile(r"^```(\w*)$", re.MULTILINE)
START = "# --8<-- [start:{}]"
END = "# --8<-- [end:{}]"


def documents() -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def excerpt(path: str, part: str | None) -> str:
    """The text a block shows: the whole file, or one marked part of it, without markers."""
    text = (ROOT / path).read_text("utf-8")
    if part is not None:
        start, end = START.format(part), END.format(part)
        if start not in text or end not in text:
            raise ValueError(f"{path} has no part {part!r} (markers {start!r} ... {end!r})")
        text = text.split(start, 1)[1].split(end, 1)[0].lstrip("\n")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("# --8<--")]
    return textwrap.dedent("\n".join(lines)).rstrip("\n") + "\n"


def included(document: Path) -> list[tuple[str, str | None, str]]:
    """``(path, part, body)`` of every include block in ``document``."""
    text = document.read_text("utf-8")
    return [(m["path"], m["part"], m["body"]) for m in INCLUDE.finditer(text)]


def python_blocks(document: Path) -> list[tuple[int, bool]]:
    """``(line, included)`` of every ``python`` block: each one should be an include."""
    text = document.read_text("utf-8")
    starts = {m.start("fence") for m in INCLUDE.finditer(text)}
    out, inside = [], False
    for m in FENCE.finditer(text):
        if not inside and m[1] == "python":
            out.append((text.count("\n", 0, m.start()) + 1, m.start() in starts))
        inside = not inside
    return out


def stale() -> list[str]:
    """``document: path[:part]`` of every block whose text differs from its file."""
    found = []
    for document in documents():
        for path, part, body in included(document):
            if body != excerpt(path, part):
                found.append(f"{document.relative_to(ROOT)}: {path}{':' + part if part else ''}")
    return found


def write() -> int:
    """Copy every included file into its block; returns the number of blocks changed."""
    changed = 0
    for document in documents():
        text = document.read_text("utf-8")

        def fill(m: re.Match[str]) -> str:
            nonlocal changed
            body = excerpt(m["path"], m["part"])
            changed += body != m["body"]
            part = f":{m['part']}" if m["part"] else ""
            return f"<!-- include: {m['path']}{part} -->\n{m['fence']}{body}```"

        new = INCLUDE.sub(fill, text)
        if new != text:
            document.write_text(new, "utf-8")
    return changed


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        print(f"{write()} block(s) updated")
    else:
        differ = stale()
        print("\n".join(differ) or "every block matches its file")
        sys.exit(1 if differ else 0)
