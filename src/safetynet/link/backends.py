"""The engine Splink runs on: DuckDB in-process (the default) or Spark (`SAFETYNET_LINK_BACKEND`).

This module owns the choice: it makes the database API, registers polars frames with it,
turns Splink's results back into polars, and moves a model's SQL between the two dialects so
a model trained on one engine scores on the other. Everything heavy is imported lazily.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

import polars as pl

from safetynet.config import get_settings
from safetynet.errors import SafetynetError

Backend = Literal["duckdb", "spark"]
DIALECTS: tuple[Backend, ...] = ("duckdb", "spark")
# Spark settings for one modest machine; a cluster's own configuration (spark-defaults.conf,
# SAFETYNET_LINK_SPARK_CONF) overrides them.
LOCAL_SPARK_CONF = {
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.driver.memory": "4g",  # 2g stalled in garbage collection at 27,000 records
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.log.level": "ERROR",
}
# Functions named differently by the two engines: DuckDB's name, Spark's name (Spark's come
# from the similarity jar shipped with Splink).
RENAMED = {
    "jaro_winkler_similarity": "jaro_winkler",
    "list_intersect": "array_intersect",
    "list_has_any": "arrays_overlap",
}


class BackendUnavailable(SafetynetError):
    """The configured linkage engine cannot start on this machine."""

    status = 503
    title = "Linkage engine unavailable"


def chosen(backend: str | None = None) -> Backend:
    """The engine to use: `backend` if given, else the `link_backend` setting."""
    name = backend or get_settings().link_backend
    if name not in DIALECTS:
        raise BackendUnavailable(f"Unknown linkage backend '{name}': use duckdb or spark.")
    return name


def db_api(backend: str | None = None) -> Any:
    """A fresh Splink database API on the chosen engine."""
    if chosen(backend) == "spark":
        from splink.backends.spark import SparkAPI

        return SparkAPI(spark_session=spark_session(), break_lineage_method="persist")
    import duckdb
    from splink.backends.duckdb import DuckDBAPI

    from safetynet.config import get_settings

    settings = get_settings()
    spill = settings.data_dir / "duckdb-spill"
    spill.mkdir(parents=True, exist_ok=True)
    # A memory limit makes DuckDB spill big blocking joins to disk instead of growing: by
    # default it would take 80% of the machine's memory.
    connection = duckdb.connect(
        config={"memory_limit": settings.link_memory_limit, "temp_directory": str(spill)}
    )
    return DuckDBAPI(connection=connection)


def register(api: Any, frame: pl.DataFrame) -> Any:
    """Register a polars frame as a Splink input table on `api`'s engine."""
    return api.register(to_arrow(frame))


def to_arrow(frame: pl.DataFrame) -> Any:
    """A frame as Arrow in the plain layout both engines read (no string views)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.oldest())


def to_polars(
    result: Any, *, columns: list[str] | None = None, where: str | None = None
) -> pl.DataFrame:
    """A Splink result table (on either engine) as a polars frame: only `columns` and the
    rows meeting `where` (SQL both engines read) when given, chosen by the engine before
    anything is copied out of it."""
    if result.db_api.sql_dialect.sql_dialect_str == "spark":
        spark = result.as_spark_dataframe()
        spark = spark.where(where) if where else spark
        table = (spark.select(*columns) if columns else spark).toArrow()
    else:
        relation = result.as_duckdbpyrelation()
        relation = relation.filter(where) if where else relation
        if columns:
            relation = relation.project(", ".join(f'"{c}"' for c in columns))
        # A table, not `arrow()`'s batch reader: a filter leaving no rows gives no batches,
        # which polars cannot read a schema from.
        table = relation.to_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def columns_of(result: Any) -> list[str]:
    """The column names of a Splink result table, on either engine."""
    if result.db_api.sql_dialect.sql_dialect_str == "spark":
        return list(result.as_spark_dataframe().columns)
    return list(result.as_duckdbpyrelation().columns)


def dialect_of(api: Any) -> Backend:
    """The SQL dialect a Splink database API speaks."""
    name: Backend = api.sql_dialect.sql_dialect_str
    return name


def spark_session() -> Any:
    """The process's Spark session, started on first use with Splink's similarity functions.

    Local mode (`local[2]` by default) runs inside this process; set `link_spark_master` to a
    cluster's address (`spark://host:7077`, `yarn`, `k8s://…`) to run there instead.
    """
    settings = get_settings()
    _require_spark()
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    master = settings.link_spark_master
    builder = SparkSession.builder.appName("safetynet-link").master(master)
    local = master.startswith("local")
    if local:  # stay on loopback: no network interface is looked up or listened on
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    conf = dict(LOCAL_SPARK_CONF) if local else {}
    conf.update(settings.link_spark_conf)
    conf["spark.jars"] = ",".join(
        j for j in (conf.get("spark.jars"), similarity_jar_location()) if j
    )
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _require_spark() -> None:
    """Refuse clearly when PySpark or Java is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError as e:
        raise BackendUnavailable(
            "SAFETYNET_LINK_BACKEND is spark but PySpark is not installed: install the spark "
            "extra (pip install -c constraints.txt '.[spark]', or make install), or set "
            "SAFETYNET_LINK_BACKEND=duckdb."
        ) from e
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.path.exists(java):
        raise BackendUnavailable(
            "SAFETYNET_LINK_BACKEND is spark but Java was not found"
            + (f" at JAVA_HOME ({java_home})" if java_home else " on PATH")
            + ": install Java 17 (e.g. apt-get install openjdk-17-jre-headless) or set "
            "JAVA_HOME, or set SAFETYNET_LINK_BACKEND=duckdb."
        )


def translate_sql(sql: str, source: str, target: str) -> str:
    """A SQL condition in `source`'s dialect rewritten for `target` (duckdb or spark)."""
    if source == target or sql.strip().upper() == "ELSE":
        return sql
    import sqlglot
    from sqlglot import exp

    to_spark = target == "spark"
    names = RENAMED if to_spark else {v: k for k, v in RENAMED.items()}

    def rename(node: Any) -> Any:
        if to_spark and isinstance(node, exp.JarowinklerSimilarity):
            return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
        if isinstance(node, exp.ArrayOverlaps):  # sqlglot writes `&&`, which Spark lacks
            name = "arrays_overlap" if to_spark else "list_has_any"
            return exp.Anonymous(this=name, expressions=[node.this, node.expression])
        if isinstance(node, exp.Anonymous) and node.name.lower() in names:
            return exp.Anonymous(this=names[node.name.lower()], expressions=node.expressions)
        return node

    tree = sqlglot.parse_one(sql, read=source).transform(rename)
    return str(tree.sql(dialect=target))


def translate_model(settings: dict[str, Any], target: str) -> dict[str, Any]:
    """A saved model's settings rewritten for `target`'s dialect: its comparison levels and
    blocking rules keep their meaning, parameters and labels."""
    source = settings.get("sql_dialect") or "duckdb"
    if source == target:
        return settings

    def move(sql: str) -> str:
        return translate_sql(sql, source, target)

    comparisons = [
        {
            **comparison,
            "comparison_levels": [
                {**level, "sql_condition": move(level["sql_condition"])}
                for level in comparison["comparison_levels"]
            ],
        }
        for comparison in settings.get("comparisons", [])
    ]
    rules = [
        _move_rule(rule, move)
        for rule in settings.get("blocking_rules_to_generate_predictions", [])
    ]
    return {
        **settings,
        "sql_dialect": target,
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": rules,
    }


def _move_rule(rule: Any, move: Callable[[str], str]) -> Any:
    if isinstance(rule, str):
        return move(rule)
    return {**rule, "blocking_rule": move(rule["blocking_rule"]), "sql_dialect": None}


def portable_level(sql_condition: str, label_for_charts: str | None = None) -> Any:
    """A custom comparison level written in DuckDB SQL that also runs on Spark."""
    return _portable_level_class()(sql_condition, label_for_charts)


@lru_cache(maxsize=1)
def _portable_level_class() -> type:
    from splink.internals.comparison_level_library import CustomLevel

    class PortableLevel(CustomLevel):
        """A CustomLevel whose DuckDB condition is translated to the linker's dialect."""

        def create_sql(self, sql_dialect: Any) -> str:
            return translate_sql(self.sql_condition, "duckdb", sql_dialect.sql_dialect_str)

    return PortableLevel
