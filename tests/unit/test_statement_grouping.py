"""The read-model store groups a batch's statements into executemany runs and folds bare
updates of a row into the insert that creates it (infrastructure/views/store.py); the
result must equal running the statements one by one, whatever the order. Checked on an
in-memory SQLite database against random batches."""

import sqlite3

from hypothesis import example, given, settings
from hypothesis import strategies as st

from infrastructure.views.store import _grouped

SCHEMA = ("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, c INTEGER DEFAULT 0)",
          "CREATE TABLE u (id INTEGER PRIMARY KEY, a INTEGER)")

IDS = st.integers(1, 2)
VALUES = st.integers(0, 3)
STATEMENTS = st.one_of(
    st.builds(lambda i, a, b: ("INSERT INTO t (id, a, b) VALUES (:id, :a, :b)",
                               {"id": i, "a": a, "b": b}), IDS, VALUES, VALUES),
    st.builds(lambda i, a: ("INSERT INTO u (id, a) VALUES (:id, :a)", {"id": i, "a": a}),
              IDS, VALUES),
    st.builds(lambda i, x: ("UPDATE t SET a = :x WHERE id = :id", {"id": i, "x": x}),
              IDS, VALUES),
    st.builds(lambda i, x, y: ("UPDATE t SET b = :y, a = :x WHERE id = :id",
                               {"id": i, "x": x, "y": y}), IDS, VALUES, VALUES),
    st.builds(lambda i, x: ("UPDATE t SET c = :x WHERE id = :id", {"id": i, "x": x}),
              IDS, VALUES),  # a column the insert leaves to its default
    st.builds(lambda i, x: ("UPDATE t SET a = a + :x WHERE id = :id", {"id": i, "x": x}),
              IDS, VALUES),  # an expression: never folded
    st.builds(lambda i, x: ("UPDATE u SET a = :x WHERE id = :id", {"id": i, "x": x}),
              IDS, VALUES),
    st.builds(lambda i, a: ("INSERT INTO t (id, a, b) VALUES (:id, :a, :a)",
                            {"id": i, "a": a}), IDS, VALUES),  # one parameter, two columns
    st.builds(lambda x, b: ("UPDATE t SET a = :x WHERE b = :b", {"x": x, "b": b}),
              VALUES, VALUES),  # a barrier: touches rows by another column
    st.builds(lambda i: ("DELETE FROM t WHERE id = :i", {"i": i}), IDS),
)


def _run(pairs, many: bool):
    db = sqlite3.connect(":memory:")
    for ddl in SCHEMA:
        db.execute(ddl)
    for sql, params in pairs:
        if many:
            db.executemany(sql, params)
        else:
            db.execute(sql, params)
    return (db.execute("SELECT * FROM t ORDER BY id").fetchall(),
            db.execute("SELECT * FROM u ORDER BY id").fetchall())


INSERT = ("INSERT INTO t (id, a, b) VALUES (:id, :a, :b)", {"id": 1, "a": 0, "b": 0})


@settings(max_examples=1000, deadline=None)
@given(st.lists(STATEMENTS, max_size=25))
@example([INSERT, ("UPDATE t SET a = a + :x WHERE id = :id", {"id": 1, "x": 5}),
          ("UPDATE t SET a = :x WHERE id = :id", {"id": 1, "x": 2})])  # an expression between
@example([INSERT, ("UPDATE t SET a = :x WHERE b = :b", {"x": 7, "b": 1}),
          ("UPDATE t SET b = :y, a = :x WHERE id = :id", {"id": 1, "x": 0, "y": 1})]
         )  # a barrier between, which the update would have made match
def test_grouped_and_folded_statements_have_the_effect_of_running_them_in_order(batch):
    created, once = set(), []  # a row is inserted once (a second insert refuses the batch)
    for sql, params in batch:
        if sql.startswith("INSERT"):
            if (sql.split()[2], params["id"]) in created:
                continue
            created.add((sql.split()[2], params["id"]))
        once.append((sql, params))
    assert _run(list(_grouped(once)), many=True) == _run(once, many=False)


def test_a_whole_history_in_one_batch_is_one_insert_per_row():
    batch = [("INSERT INTO t (id, a, b) VALUES (:id, :a, :b)", {"id": n, "a": 0, "b": 0})
             for n in range(3)]
    for step in range(4):
        batch += [("UPDATE t SET a = :x WHERE id = :id", {"id": n, "x": step}) for n in range(3)]
    grouped = list(_grouped(batch))
    assert [sql for sql, _ in grouped] == ["INSERT INTO t (id, a, b) VALUES (:id, :a, :b)"]
    assert [p["a"] for p in grouped[0][1]] == [3, 3, 3]
    assert batch[0][1]["a"] == 0  # the handler's own parameters are left as they were
