"""Engine tuning, small query helpers and the bulk-write path shared by every domain package."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """Naive UTC timestamp, microsecond precision.

    Naive on purpose: SQLite and PostgreSQL ``timestamp`` both round-trip it unchanged,
    which the audit hash chain relies on. Every timestamp in the database is UTC.
    """
    return datetime.now(UTC).replace(tzinfo=None)


def tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers beside the writer, foreign keys on, and a busy wait
    instead of an instant 'database is locked' when the job consumer is writing."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every test
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if not _is_memory(engine):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):  # type: ignore[no-untyped-def]
        # A bulk commit deferred its checkpoint (`defer_checkpoint`): the pool's next user of
        # this connection checkpoints as usual again.
        if record.info.pop(_CHECKPOINT_DEFERRED, False) and dbapi_connection is not None:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")


def _is_memory(engine: Engine) -> bool:
    return engine.url.database in (None, "", ":memory:")


# ------------------------------------------------------------- upkeep after a bulk commit

#: SQLite's own setting (pages of write-ahead log before a commit checkpoints it).
WAL_AUTOCHECKPOINT = 1000
_CHECKPOINT_DEFERRED = "edabu_checkpoint_deferred"
_upkeep_threads: list[threading.Thread] = []
_upkeep_lock = threading.Lock()


def defer_checkpoint(session: Session) -> bool:
    """Let the session's transaction commit without checkpointing SQLite's write-ahead log.
    A commit that leaves more than `WAL_AUTOCHECKPOINT` pages in the log copies them all into
    the database file before it returns: half a second after a 100,000-person import, with
    the import already durable. The caller then has `upkeep_later` checkpoint it. The
    setting is the connection's: it is put back when the connection returns to the pool
    (`tune_sqlite`). False, and nothing done, on PostgreSQL or an in-memory database."""
    connection = session.connection()
    if connection.dialect.name != "sqlite" or _is_memory(connection.engine):
        return False
    connection.exec_driver_sql("PRAGMA wal_autocheckpoint = 0")
    connection.connection.info[_CHECKPOINT_DEFERRED] = True
    return True


CHECKPOINT = "PRAGMA wal_checkpoint(PASSIVE)"  # never waits for readers or writers


def upkeep_later(engine: Engine, statement: str | Sequence[str], what: str) -> threading.Thread:
    """Run ``statement`` (upkeep such as a checkpoint or ANALYZE, whose result nobody waits
    for) on a connection of its own in a background thread, after the caller's commit. A
    failure is logged, never raised: the data is committed already, only upkeep waits for
    the next time. The thread is not a daemon, so a command-line run finishes it before the
    process exits; `wait_for_upkeep` joins it."""
    thread = threading.Thread(
        target=_upkeep, args=(engine, statement, what), name=f"edabu-upkeep-{what}"
    )
    with _upkeep_lock:
        _upkeep_threads[:] = [t for t in _upkeep_threads if t.is_alive()]
        _upkeep_threads.append(thread)
    thread.start()
    return thread


def wait_for_upkeep(timeout: float | None = None) -> None:
    """Join every upkeep thread started so far (tests, and a process about to close its
    database)."""
    with _upkeep_lock:
        threads = list(_upkeep_threads)
    for thread in threads:
        thread.join(timeout)


def _upkeep(engine: Engine, statement: str | Sequence[str], what: str) -> None:
    statements = [statement] if isinstance(statement, str) else list(statement)
    # PostgreSQL runs VACUUM only outside a transaction block.
    options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}
    try:
        with engine.connect().execution_options(**options) as connection:
            for one in statements:  # one after the other: each is a write of its own
                connection.exec_driver_sql(one)
                connection.commit()
    except Exception:  # logged: the commit it follows stands
        log.warning("%s after a large import failed", what, exc_info=True)


# --------------------------------------------------------------------------- bulk writes

#: SQLite page cache while a bulk write runs, in KiB. The default 2 MiB holds too little of
#: the indexes a large import updates in random order (NIK, name, KK): their pages are read
#: back and spilled again, and each chunk is slower than the one before.
BULK_CACHE_KIB = 64 * 1024

#: From this many rows on, PostgreSQL inserts use COPY (~3× executemany); fewer take one
#: executemany, which needs no second code path in the driver.
COPY_MIN_ROWS = 64


@contextmanager
def bulk_cache(session: Session) -> Iterator[None]:
    """A larger SQLite page cache for the session's connection while a bulk write runs in
    one transaction; back to its setting before the caller commits (the connection returns
    to the pool then). Nothing on PostgreSQL, whose cache is the server's."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar())
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        # Never mask the error that ended the bulk write; a failed reset only costs memory.
        with suppress(sa.exc.SQLAlchemyError):
            connection.exec_driver_sql(f"PRAGMA cache_size = {previous}")


def sql_timestamp(value: datetime) -> str:
    """A naive UTC timestamp as text both engines store unchanged: SQLAlchemy's own SQLite
    format (always with microseconds), which PostgreSQL parses into the same ``timestamp``."""
    return value.isoformat(sep=" ", timespec="microseconds")


def bulk_insert(
    session: Session | sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    shared: Mapping[str, Any] | None = None,
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) in the session's transaction, bypassing
    SQLAlchemy's per-value type processing, which costs more than the insert itself at
    100,000 rows. Values must already be in database form: str, int, bool or None; dates as
    ISO text, timestamps from `sql_timestamp`, JSON columns as JSON text (``"null"`` for
    None, as SQLAlchemy's JSON type writes it), enums as their stored value. ``shared``:
    values of further columns, the same in every row, written once into the statement
    (binding them for each row is a third of an audit trail insert on SQLite); PostgreSQL's
    COPY takes them row by row."""
    if not rows:
        return
    shared = shared or {}
    connection = connection_of(session)
    dialect = connection.dialect
    if dialect.name == "postgresql" and len(rows) >= COPY_MIN_ROWS:
        with _copy(connection, table, columns, shared) as write:
            write(rows)
        return
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in (*shared, *columns))
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    values = [*(_sql_literal(dialect, value) for value in shared.values())]
    values += [marker] * len(columns)
    # Identifiers come from the table's metadata (quoted); values are bound parameters or
    # literals that SQLAlchemy's own compiler renders (quoted and escaped).
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join(values)})"  # noqa: S608
    connection.exec_driver_sql(sql, list(rows))  # one executemany


@contextmanager
def _copy(
    connection: sa.Connection, table: sa.Table, columns: Sequence[str], shared: Mapping[str, Any]
) -> Iterator[Callable[[Iterable[Sequence[Any]]], None]]:
    """psycopg 3 COPY FROM STDIN into ``table``: yields a function that writes rows (tuples in
    ``columns`` order; ``shared`` values go before each). The server parses each value by its
    column type. Leaving with an error aborts the COPY, so none of its rows is stored."""
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in (*shared, *columns))
    copy_sql = f"COPY {quote(table.name)} ({names}) FROM STDIN"
    driver = connection.connection.driver_connection
    first = tuple(shared.values())

    def write(rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            copy.write_row((*first, *row) if first else row)

    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:
            yield write
    except dbapi_error as exc:  # as SQLAlchemy reports a statement's failure (IntegrityError…)
        raise sa.exc.DBAPIError.instance(
            copy_sql, None, exc, dbapi_error, dialect=connection.dialect
        ) from exc


@contextmanager
def insert_stream(
    writer: WriteBehind | InlineWrites,
    bind: Session | sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    *,
    shared: Mapping[str, Any] | None = None,
    pending: int = 4,
) -> Iterator[Callable[[Sequence[Sequence[Any]]], None]]:
    """A function that hands ``writer`` a chunk of rows to insert, as `bulk_insert` would,
    for a long run of chunks. On PostgreSQL every chunk goes into one COPY statement (each
    COPY costs a round trip and its own start-up). At most ``pending``
    chunks wait for the COPY. Elsewhere each chunk is one `bulk_insert`. Leaving the block
    with an error aborts the COPY; a failure of the COPY, or of a write before it, is raised
    by the next chunk handed over (on PostgreSQL) or by ``writer.wait()``."""
    connection = connection_of(bind)
    shared = shared or {}
    if connection.dialect.name != "postgresql" or isinstance(writer, InlineWrites):
        yield lambda rows: writer.submit(
            lambda: bulk_insert(connection, table, columns, rows, shared=shared)
        )
        return
    chunks: queue.Queue[Any] = queue.Queue(maxsize=pending)
    failure: list[BaseException] = []  # the COPY's, told to the producer at once
    writer.submit(_copy_chunks, connection, table, columns, shared, chunks, failure)
    ended = _ABORT
    try:
        yield lambda rows: _hand_over(writer, chunks, failure, rows)
        ended = _END
    finally:
        _hand_over(writer, chunks, failure, ended, final=True)


_END, _ABORT = object(), object()


def _copy_chunks(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    shared: Mapping[str, Any],
    chunks: queue.Queue[Any],
    failure: list[BaseException],
) -> None:
    """`insert_stream`'s COPY, in the writer's thread, until the end or an abort comes. If
    it fails, the producer is told through ``failure`` and every chunk it still hands over
    is taken (and dropped) until its end or abort, so it never waits on a full queue."""
    chunk = None
    try:
        with _copy(connection, table, columns, shared) as write:
            while (chunk := chunks.get()) is not _END:
                if chunk is _ABORT:
                    raise _Stopped
                write(chunk)
    except BaseException as exc:
        failure.append(exc)
        while chunk is not _END and chunk is not _ABORT:
            chunk = chunks.get()
        raise


def _hand_over(
    writer: WriteBehind,
    chunks: queue.Queue[Any],
    failure: list[BaseException],
    item: Any,
    final: bool = False,
) -> None:
    """Put ``item`` on the COPY's queue, waiting while it is full. A chunk is not handed
    over once the COPY failed: its failure is raised instead. If the writer fails or is
    stopped before the COPY starts, nobody is left to take anything: raise its failure, or
    drop the ``final`` marker."""
    while True:
        if failure and not final and not isinstance(failure[0], _Stopped):
            raise failure[0]
        try:
            chunks.put(item, timeout=0.05)
            return
        except queue.Full:
            if writer.failed:
                if not final:
                    writer.raise_failure()
                return


def _sql_literal(dialect: sa.Dialect, value: Any) -> str:
    """A str, int or None as an SQL literal of this dialect, by SQLAlchemy's compiler."""
    if value is not None and value.__class__ not in (str, int):
        raise TypeError(f"not a shared column value: {type(value).__name__}")
    literal = sa.literal(value, sa.String() if isinstance(value, str) else None)
    return str(literal.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def reserve_ids(session: Session, table: sa.Table, count: int) -> Sequence[int]:
    """``count`` new primary keys for ``table``, ascending, before inserting the rows: so rows
    can point at each other (worker_id) and audit events name them without a read-back.
    PostgreSQL draws them from the column's sequence. SQLite gives a rowid table max(id) + 1
    anyway; the no-op UPDATE first takes the write lock, so no other writer can use those
    numbers before this transaction ends."""
    if count <= 0:
        return []
    if dialect_name(session) == "postgresql":
        # A scalar subquery, so the sequence is looked up in the catalogue once, not once
        # per id.
        sequence = sa.select(sa.func.pg_get_serial_sequence(table.name, "id")).scalar_subquery()
        series = sa.func.generate_series(1, count).table_valued("n").render_derived()
        # One array rather than a row per id: half the time at 100,000 ids.
        ids = postgresql.aggregate_order_by(sa.func.nextval(sequence), series.c.n)
        return session.scalar(sa.select(sa.func.array_agg(ids)).select_from(series))
    session.execute(sa.update(table).where(sa.false()).values(id=table.c.id))
    start = session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0) + 1))
    return range(start, start + count)


# --------------------------------------------------------------------------- write-behind


class WriteBehind:
    """Runs a session's writes in a thread of their own, in the order submitted, while the
    caller prepares the next ones: SQLite's C code (which releases the GIL) or the
    PostgreSQL server works on one chunk while Python builds the next. Until `wait` returns
    the caller must not use the session; it reads through the second connection that
    `write_behind` gives. At most ``pending`` writes queue up (each holds a chunk of rows).
    A failed write is raised by the next `submit` or by `wait`; later writes are dropped."""

    def __init__(self, pending: int = 4) -> None:
        self._queue: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue(
            maxsize=pending
        )
        self._error: BaseException | None = None
        # Flask-SQLAlchemy finds the engine of a new transaction (after a commit) through the
        # app: the thread works in the caller's app, if any.
        self._context = (
            current_app._get_current_object().app_context if has_app_context() else nullcontext
        )
        self._thread = threading.Thread(target=self._run, name="edabu-write-behind", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self.raise_failure()
        self._queue.put((fn, args))

    def wait(self) -> None:
        """Block until every submitted write ran; raise the first failure."""
        self._queue.join()
        self.raise_failure()

    @property
    def failed(self) -> bool:
        """A write failed, or the thread was stopped: later writes are dropped."""
        return self._error is not None

    def stop(self) -> None:
        """Let the write in progress finish, drop the rest, end the thread."""
        if self._thread.is_alive():
            self._error = self._error or _Stopped()  # the thread drops what is still queued
            self._queue.put(None)
            self._thread.join()

    def raise_failure(self) -> None:
        """Raise the failure of a write, if one failed."""
        if self._error is not None and not isinstance(self._error, _Stopped):
            raise self._error

    def _run(self) -> None:
        with self._context():
            self._serve()

    def _serve(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:
                fn, args = item
                try:
                    fn(*args)
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc
            self._queue.task_done()
        self._queue.task_done()


class _Stopped(Exception):
    pass


class InlineWrites:
    """`WriteBehind` without a thread, where a second connection cannot be had."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        fn(*args)

    def wait(self) -> None:
        pass


@contextmanager
def write_behind(
    session: Session, pending: int = 4
) -> Iterator[tuple[WriteBehind | InlineWrites, sa.Connection | Session]]:
    """``(writer, reader)``: a `WriteBehind` for the session's transaction and a second
    connection for the reads meanwhile (committed data only: it does not see the writes).
    Writes are handed `plain_session(session)` or its connection, never Flask-SQLAlchemy's
    scoped proxy (in the thread it would find another session). Leaving normally waits for
    the writes (and raises their failure); leaving with an error stops the thread first, so
    the caller can roll back. ``pending``: see `WriteBehind`. An in-memory SQLite database
    has no second connection to the same data: the writes then run inline and the reads go
    through the session."""
    engine = session.get_bind()
    if engine.dialect.name == "sqlite" and _is_memory(engine):
        yield InlineWrites(), session
        return
    with engine.connect() as reader:
        writer = WriteBehind(pending)
        try:
            yield writer, reader
        except BaseException:
            writer.stop()
            raise
        try:
            writer.wait()
        finally:
            writer.stop()


# --------------------------------------------------------------------------- bulk reads in SQL


def json_fields(
    column: sa.ColumnElement[Any], types: Mapping[str, Any], dialect: str
) -> tuple[Any | None, dict[str, Any]]:
    """The fields of a JSON text column as SQL expressions, for an INSERT … SELECT that reads
    them inside the database: ``(derived table to join or None, {name: expression})``. On
    PostgreSQL one ``json_to_record`` per row (each row parsed once), typed by ``types``
    (a SQLAlchemy type, or None for text); on SQLite ``json_extract``, which caches the
    parsed row."""
    if dialect == "postgresql":
        record = (
            sa.func.json_to_record(column)
            .table_valued(*[sa.column(name, kind or sa.Text) for name, kind in types.items()])
            .render_derived(name="record", with_types=True)
        )
        return record, {name: record.c[name] for name in types}
    return None, {name: sa.func.json_extract(column, f"$.{name}") for name in types}


def int_array_element(values: Sequence[int], index: Any) -> Any:
    """``values[index]`` (1-based) in SQL, the list sent as one PostgreSQL integer array.
    Keep NULLs out of ``values``: PostgreSQL finds an element after NULLs by counting them,
    which makes every look-up linear."""
    literal = "{" + ",".join(map(str, map(int, values))) + "}"
    array = sa.bindparam(None, literal, type_=_IntArrayLiteral())
    return sa.type_coerce(sa.Grouping(array), postgresql.ARRAY(sa.Integer))[index]


class _IntArrayLiteral(sa.types.UserDefinedType[str]):
    """A PostgreSQL integer array bound as its text (``{1,2,3}``), which the server reads once
    as the parameter's value (``$1::INTEGER[]``): psycopg's list adapter takes ~3 times as
    long for the commit's 100,000 ids, in the thread that starts its INSERT while the audit
    events want the GIL. Not a cast of a text parameter: the server would parse that array
    again for every row."""

    cache_ok = True
    render_bind_cast = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "INTEGER[]"


def run_counted(connection: sa.Connection, statement: sa.Executable) -> int:
    """Run a large INSERT … SELECT once and return how many rows it wrote. SQLAlchemy keeps
    an INSERT's count only when asked (``preserve_rowcount``); PostgreSQL would otherwise
    JIT-compile such a statement first, which takes longer than running it once."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")
    return connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def plain_session(session: Session) -> Session:
    """The session behind Flask-SQLAlchemy's scoped proxy, which finds the session of the
    current app context: the write-behind thread has an app context, and a session, of its
    own."""
    return session() if isinstance(session, scoped_session) else session


def connection_of(bind: Session | sa.Connection) -> sa.Connection:
    """The connection of a session's transaction (or the connection itself), e.g. to hand
    to the write-behind thread."""
    return bind if isinstance(bind, sa.Connection) else bind.connection()


def dialect_name(bind: Session | sa.Connection) -> str:
    return connection_of(bind).dialect.name


def plan_for_every_row(session: Session) -> None:
    """Before streaming a large result through a server-side cursor (``yield_per``): on
    PostgreSQL a cursor is planned to return its first tenth quickly
    (``cursor_tuple_fraction``), which turned the month's bill, an aggregate with window
    functions, into nested loops: 200 s for the first 5,000 of 100,000 lines instead of
    0.7 s for all. For this transaction, plan for reading every row."""
    if dialect_name(session) == "postgresql":
        session.execute(sa.text("SET LOCAL cursor_tuple_fraction = 1.0"))


def among(
    session: Session | sa.Connection, column: sa.ColumnElement[Any], values: Iterable[Any]
) -> Any:
    """``column IN values`` with one bound parameter however many values: an array on
    PostgreSQL, a JSON list read by ``json_each`` on SQLite, each unnested in a subquery. A
    plain IN renders one placeholder per value for every query, a few ms at 2,000 NIKs, and
    psycopg parses such long statements anew each time (~10 ms). On PostgreSQL the subquery
    rather than ``= ANY(array)``: as a filter, the planner scanned a 100,000-person roster
    for every 2,000 NIKs (55 ms); as a subquery it probes the index once per value (24 ms)."""
    values = list(values)
    if dialect_name(session) == "postgresql":
        array = sa.bindparam(None, values, type_=postgresql.ARRAY(column.type))
        return column.in_(sa.select(sa.func.unnest(array)))
    listed = sa.func.json_each(sa.bindparam(None, json.dumps(values))).table_valued("value")
    return column.in_(sa.select(listed.c.value))


def contains_text(
    session: Session | sa.Connection, column: sa.ColumnElement[str], text: str
) -> sa.ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case, wildcards in ``text`` taken literally.
    SQLite's LIKE already ignores ASCII case: ILIKE's ``lower()`` on both sides there only
    doubled the scan of a 300,000-person list."""
    if dialect_name(session) == "postgresql":
        return column.icontains(text, autoescape=True)
    return column.contains(text, autoescape=True)


def digits_prefix(column: sa.ColumnElement[str], digits: str, width: int = 16) -> Any:
    """``column`` (``width`` digits) starts with ``digits``, as a range an ordinary index
    serves whatever the collation (LIKE 'x%' needs a C collation on PostgreSQL, and SQLite's
    case-insensitive LIKE uses no index at all)."""
    pad = width - len(digits)
    return column.between(digits + "0" * pad, digits + "9" * pad)


def str_enum(enum_cls: type[StrEnum], length: int) -> sa.Enum:
    """A StrEnum stored as its values in a VARCHAR (no native ENUM type: adding a value then
    needs no ALTER TYPE on PostgreSQL, and SQLite and PostgreSQL store the same text)."""
    return sa.Enum(
        enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )
