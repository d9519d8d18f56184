"""A test module's own source text, to check the files, lines and code errorwire reports."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import List

ROOT = str(Path(__file__).resolve().parents[1])
"""The repository: the project root the stack-trace tests report paths against."""


@dataclass(frozen=True)
class SourceFile:
    path: str
    """Absolute, links resolved (what ``Frame.abs_path`` holds)."""
    relative: str
    """Relative to ROOT (what ``Frame.filename`` holds)."""
    lines: List[str]

    @classmethod
    def of(cls, module_file: str) -> SourceFile:
        path = os.path.realpath(module_file)
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return cls(path=path, relative=os.path.relpath(path, ROOT), lines=lines)

    def line_of(self, name: str) -> int:
        """The line of this file that ends with the marker comment ``# mark: <name>``."""
        found = [i for i, text in enumerate(self.lines, 1) if text.endswith("# mark: " + name)]
        assert len(found) == 1, name
        return found[0]
