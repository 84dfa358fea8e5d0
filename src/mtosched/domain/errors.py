"""Problems found in input data, collected before anything is raised.

Every loader and validator appends :class:`Problem` records instead of raising on
the first one, so a planner fixing an export sees every mistake in one go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located the way the user counts.

    ``row`` is the CSV line number (header = 1), the Excel sheet row, or the
    0-based index in the JSON list; ``None`` for problems of a whole table or file.
    """

    table: str
    row: int | None
    column: str | None
    value: Any
    expected: str
    file: str | None = None

    def __str__(self) -> str:
        where = self.file or self.table
        parts = [where]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        location = ", ".join(parts)
        if self.value is None:  # nothing to show: a missing table, column or field
            return f"{location}: {self.expected}"
        if self.value == "":
            shown = "(empty)"
        else:
            shown = repr(self.value) if isinstance(self.value, str) else str(self.value)
        return f"{location}: value {shown}: {self.expected}"


class InstanceError(Exception):
    """The input cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        """All problems, one per line."""
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the instance:"
        return "\n".join([head, *(f"- {problem}" for problem in self.problems)])


class InstanceWarning(UserWarning):
    """Something in the input was ignored (an unknown column, an unknown setting)."""


@dataclass
class ProblemLog:
    """Collects problems while a validator walks the data."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        table: str,
        row: int | None,
        column: str | None,
        value: Any,
        expected: str,
    ) -> None:
        """Record one problem."""
        self.problems.append(Problem(table, row, column, value, expected))

    def raise_if_any(self) -> None:
        """Raise :class:`InstanceError` when anything was recorded."""
        if self.problems:
            raise InstanceError(self.problems)
