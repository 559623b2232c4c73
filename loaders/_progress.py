"""Progress bars for long loads (rich), shown only on a terminal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeVar

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = ["progress_bar"]

T = TypeVar("T")


def progress_bar(
    items: Iterable[T], description: str, *, total: int | None = None, enabled: bool = True
) -> Iterator[T]:
    """Yield the items, drawing a bar on stderr when it is a terminal and `enabled`."""
    if not enabled or not sys.stderr.isatty():
        yield from items
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        yield from progress.track(items, total=total, description=description)
