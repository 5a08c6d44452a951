"""Hot-path reads in hand-written SQL that still yield the ORM's values and instances.

On the WYSIWYG editors' read path (token → account chain → template), compiling ORM
queries cost more than running them. These helpers let a module write its one query as
SQL once and still get values converted exactly as the ORM does (JSON decoded, datetimes
made aware on SQLite) and model instances built with ``Model.from_db``.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

Converter = Callable[[Any], Any]


def quoted(alias: str, fields: Sequence[Field]) -> str:
    """``alias."column", …`` for a SELECT list."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in fields)


def converter_for(field: Field, alias: str) -> Converter | None:
    """The backend and field converters the ORM would apply to this column, as one function."""
    column = field.get_col(alias)
    steps = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    if not steps:
        return None

    def convert(value: Any) -> Any:
        for step in steps:
            value = step(value, column, connection)
        return value

    return convert


class ModelColumns:
    """The concrete columns of ``model`` under ``alias``: SELECT list and row → instance."""

    def __init__(self, model: type[Model], alias: str):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.alias = alias
        self.names = [field.attname for field in self.fields]
        self._converters: dict[str, list[Converter | None]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def select(self) -> str:
        return quoted(self.alias, self.fields)

    def converters(self) -> list[Converter | None]:
        vendor = connection.vendor  # per backend: tests may switch databases
        if vendor not in self._converters:
            self._converters[vendor] = [converter_for(f, self.alias) for f in self.fields]
        return self._converters[vendor]

    def build(self, values: Sequence[Any]) -> Model:
        converted = [
            convert(value) if convert is not None and value is not None else value
            for convert, value in zip(self.converters(), values, strict=True)
        ]
        return self.model.from_db(connection.alias, self.names, converted)
