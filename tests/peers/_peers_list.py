"""``not_applicable.txt``: which upstream tests do not run as passing tests, and why."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
UPSTREAM = HERE / "upstream"
LIST_FILE = HERE / "not_applicable.txt"


@dataclass(frozen=True)
class Entry:
    """One line of ``not_applicable.txt``."""

    section: str  # "not applicable", "wording" or "pending <branch>"
    pattern: str  # a test id relative to upstream/, "*" matching anything
    reason: str
    line: int

    @property
    def module(self) -> str:
        return self.pattern.split("::", 1)[0]

    @property
    def whole_module(self) -> bool:
        return "::" not in self.pattern

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        parts = (re.escape(part) for part in self.pattern.split("*"))
        return re.compile(".*".join(parts) + r"\Z")

    def marker(self) -> pytest.MarkDecorator:
        if self.section.startswith("pending "):
            branch = self.section[len("pending ") :]
            return pytest.mark.xfail(
                strict=True, reason=f"pending branch {branch}: {self.reason}"
            )
        return pytest.mark.skip(reason=f"{self.section}: {self.reason}")


SECTIONS = ("not applicable", "wording")


def read_entries(path: Path = LIST_FILE) -> list[Entry]:
    """Parse the list: ``[section]`` headers, then ``<test id> | <reason>`` lines."""
    entries: list[Entry] = []
    section = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            if section not in SECTIONS and not re.fullmatch(r"pending [\w.-]+", section):
                raise ValueError(f"{path.name}:{number}: unknown section [{section}].")
            continue
        pattern, sep, reason = line.partition(" | ")
        if section is None or not sep or not reason.strip():
            raise ValueError(
                f"{path.name}:{number}: expected '<test id> | <reason>' under a [section], "
                f"got {raw!r}."
            )
        entries.append(Entry(section, pattern.strip(), reason.strip(), number))
    return entries


