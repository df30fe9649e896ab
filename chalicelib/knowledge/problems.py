"""A problem with an article file at one of its lines: what reading, checking and linting tell an editor. Pure."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with (or a notice about) an article, at a 1-based line of its file."""

    line: int
    message: str

    @property
    def text(self) -> str:
        """As an editor reads it: 第 N 行：message."""
        return f"第 {self.line} 行：{self.message}"
