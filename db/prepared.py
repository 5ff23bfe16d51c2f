"""The statements a conversation turn runs every time, compiled once and run straight on the
driver's connection.

SQLAlchemy's work around each execution (its statement cache, execution context and result
object) costs about ten times what SQLite spends running these small statements, and a
turn runs three or four of them. :class:`Prepared` keeps the SQLAlchemy statement as the one
definition, compiles it once per database, converts values with the column types' own
processors (the same ones SQLAlchemy applies) and raises SQLAlchemy's exceptions, so the
rows written and read, and the errors seen, are those of ``tx.conn.execute``. It runs in
the transaction's own connection. Everything else uses ``tx.conn.execute``.

Imports db.store only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import ReturnsRows

from db.store import Tx

Processor = Callable[[Any], Any] | None


class _Compiled:
    """One statement compiled for one dialect: its SQL and how to convert each value."""

    __slots__ = ("binds", "dialect", "error", "positional", "results", "sql")

    def __init__(
        self, statement: ReturnsRows, dialect: Dialect, column_keys: list[str] | None
    ) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        self.sql = compiled.string
        self.dialect = dialect
        self.error: type[Exception] = dialect.loaded_dbapi.Error
        order = getattr(compiled, "positiontup", None)
        self.positional = order is not None
        names = list(order) if order is not None else list(compiled.binds)
        binds = []
        for name in names:
            bind = compiled.binds[name]
            if bind.expanding:
                raise ValueError(f"{name}: IN lists are not supported by Prepared")
            default = bind.effective_value if not bind.required else _REQUIRED
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            binds.append((name, process, default))
        self.binds: tuple[tuple[str, Processor, Any], ...] = tuple(binds)
        self.results: tuple[Processor, ...] = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.exported_columns
        )

    def arguments(self, params: Mapping[str, Any]) -> Any:
        values = []
        for name, process, default in self.binds:
            value = params[name] if default is _REQUIRED else params.get(name, default)
            values.append(value if process is None or value is None else process(value))
        if self.positional:
            return tuple(values)
        return {name: value for (name, _, _), value in zip(self.binds, values, strict=True)}

    def row(self, raw: Any) -> tuple[Any, ...]:
        return tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(self.results, raw, strict=True)
        )


_REQUIRED = object()


class Prepared:
    """A statement built by ``build(postgres)``, compiled on first use in each database.

    ``column_keys`` names the columns an INSERT or UPDATE sets (as ``tx.conn.execute``
    infers them from the parameters)."""

    __slots__ = ("_build", "_column_keys", "_compiled")

    def __init__(
        self, build: Callable[[bool], ReturnsRows], column_keys: tuple[str, ...] = ()
    ) -> None:
        self._build = build
        self._column_keys = list(column_keys) or None
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def _for(self, tx: Tx) -> _Compiled:
        dialect = tx.conn.dialect
        key = (dialect.name, dialect.driver)
        compiled = self._compiled.get(key)
        if compiled is None:
            statement = self._build(tx.postgres)
            compiled = self._compiled[key] = _Compiled(statement, dialect, self._column_keys)
        return compiled

    def _execute(self, tx: Tx, compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        arguments = compiled.arguments(params)
        driver = tx.conn.connection.driver_connection
        assert driver is not None  # the transaction holds its connection
        try:
            return driver.execute(compiled.sql, arguments)
        except compiled.error as exc:
            raise DBAPIError.instance(
                compiled.sql, arguments, exc, compiled.error, dialect=compiled.dialect
            ) from exc

    def run(self, tx: Tx, params: Mapping[str, Any]) -> int:
        """Execute; the number of rows it changed."""
        cursor = self._execute(tx, self._for(tx), params)
        count: int = cursor.rowcount
        cursor.close()
        return count

    def first(self, tx: Tx, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Execute; the first row it returned (converted like SQLAlchemy's), or None."""
        compiled = self._for(tx)
        cursor = self._execute(tx, compiled, params)
        raw = cursor.fetchone()
        cursor.close()
        return None if raw is None else compiled.row(raw)
