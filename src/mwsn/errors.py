"""The project's exception types.

Input errors carry the file, row and column they are about, so that the
command line can print ``file:row:column: message`` and exit with status 2
without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, asdict


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as known."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None or self.column is not None:
            where.append("" if self.row is None else str(self.row))
        if self.column is not None:
            where.append(self.column)
        return f"{':'.join(where)}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


class MwsnError(Exception):
    """Base class: an error the user can act on (no traceback is shown)."""

    exit_code = 1


class InputError(MwsnError):
    """One or more problems with the evaluator's inputs (params or raw data)."""

    exit_code = 2

    def __init__(self, problems: Problem | list[Problem]):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class NotebookError(MwsnError):
    """A notebook failed while executing: names notebook, cell and error."""

    def __init__(self, notebook: str, cell: int | None, error: str, kept: str | None = None):
        self.notebook, self.cell, self.error, self.kept = notebook, cell, error, kept
        where = f"{notebook}" + (f", cell {cell}" if cell is not None else "")
        msg = f"{where} failed: {error}"
        if kept:
            msg += f"\nThe partly executed notebook is kept for debugging at {kept}"
        super().__init__(msg)


class DisclosureError(MwsnError):
    """A table or chart would show a count below the small-cell threshold."""
