"""The block model of a generated document.

Cells and values arrive formatted: the builder decides the number format and the language of every word in the
blocks; the renderers add only their own captions (notes, colophon, page numbers) in the document's language.
Notes are footnotes: the renderers number them in order of appearance, once per block that carries them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def format_number(value: float, decimals: int, language: str) -> str:
    """``1234567.5`` as ``1.234.567,5`` in Dutch and ``1,234,567.5`` in English (decimals fixed, a true minus sign)."""
    text = f"{abs(value):,.{decimals}f}"
    if language == "nl":
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    negative = value < 0 and round(abs(value), decimals) != 0
    return ("\u2212" if negative else "") + text


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    numeric_columns: frozenset[int] = frozenset()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.caption!r}: row {number} has {len(row)} cells for {len(self.columns)} columns"
                )


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Chart:
    """A bar chart; the renderers place a table with the same numbers under the image.

    Values are shown with ``decimals`` decimals in the number format of the document's language.
    """

    title: str
    categories: list[str]
    series: list[Series]
    unit: str
    notes: tuple[str, ...] = ()
    decimals: int = 0
    category_label: str = ""

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"chart {self.title!r}: series {series.name!r} has {len(series.values)} values "
                    f"for {len(self.categories)} categories"
                )

    def formatted(self, value: float | None, language: str, missing: str) -> str:
        return missing if value is None else format_number(value, self.decimals, language)

    def as_table(self, language: str, missing: str, caption: str) -> Table:
        """The chart's numbers as a table (without the notes, which the chart's caption carries)."""
        columns = [self.category_label] + [f"{series.name} ({self.unit})" for series in self.series]
        rows = [
            [category] + [self.formatted(series.values[index], language, missing) for series in self.series]
            for index, category in enumerate(self.categories)
        ]
        return Table(
            caption=caption,
            columns=columns,
            rows=rows,
            numeric_columns=frozenset(range(1, len(columns))),
        )


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Table | Chart | PageBreak


@dataclass
class Document:
    title: str
    subtitle: str
    language: str
    blocks: list[Block] = field(default_factory=list)
    colophon: list[tuple[str, str]] = field(default_factory=list)

    def notes(self) -> list[str]:
        """Every note in the order the renderers number them (1, 2, ...)."""
        found: list[str] = []
        for block in self.blocks:
            found.extend(getattr(block, "notes", ()))
        return found
