"""The Spark backend: the same trained model finds the same pairs and residents as DuckDB.

Runs in the SQLite pass only (Spark reads the records once they are out of the store, so the
PostgreSQL pass would test nothing new). One Spark session serves the whole module.
"""

from __future__ import annotations

import os
import sys

import polars as pl
import pytest

from safetynet.config import get_settings
from safetynet.link import backends, comparisons, model, prepare, runs, scoring

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        os.environ.get("SAFETYNET_DATABASE_URL", "").startswith("postgresql"),
        reason="Spark links records already read from the store: runs in the SQLite pass",
    ),
]
KEY = ["unique_id_l", "unique_id_r"]


@pytest.fixture
def borough(db, demo):
    """The demo borough's current records (2,000 people, imported through the real CLI), and
    a dozen of its people again in a list that wrote their birthdays day and month swapped:
    the borough is generated as of today, so how many swaps it holds varies from day to day,
    and the custom SQL level must be exercised every day."""
    records = runs.current_records(db, runs.tenant_named(db, None).id)
    dob = pl.col("dob")
    swapped = (
        records.filter(dob.dt.day() <= 12, dob.dt.day() != dob.dt.month())
        .head(12)
        .with_columns(
            (pl.col("record_id") + 10_000_000).alias("record_id"),
            (pl.col("source_id").max() + 1).alias("source_id"),
            pl.date(dob.dt.year(), dob.dt.day(), dob.dt.month()).alias("dob"),
        )
    )
    return pl.concat([records, swapped])


def _on(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_LINK_BACKEND", backend)
    get_settings.cache_clear()


def _residents(records: pl.DataFrame, scored: pl.DataFrame, linker: model.LinkModel) -> set:
    """Residents (sets of record ids) from the pairs at or above 0.5, clustered by the engine."""
    edges = scored.filter(pl.col("match_probability") >= 0.5).select(
        pl.col("unique_id_l").cast(pl.Int64).alias("a"),
        pl.col("unique_id_r").cast(pl.Int64).alias("b"),
    )
    clusters = runs._components(records, edges, linker)
    members = clusters.group_by("cluster").agg(pl.col("record_id").sort())
    return {tuple(m) for m in members.get_column("record_id").to_list()}


def test_spark_scores_and_clusters_like_duckdb_with_the_same_model(borough, monkeypatch):
    frames = [
        prepare.for_linkage(group, str(key[0]))
        for key, group in borough.group_by("source_id", maintain_order=True)
    ]
    _on("duckdb", monkeypatch)
    trained = model.build(frames, link_type="link_and_dedupe", explainable=True)
    trained.train()
    saved = trained.settings_json()
    duck = model.from_saved(frames, saved)
    duck_pairs = duck.predict(threshold=0.2)

    _on("spark", monkeypatch)
    spark = model.from_saved(frames, saved)
    assert backends.dialect_of(spark.db_api) == "spark"
    spark_pairs = spark.predict(threshold=0.2)

    assert duck_pairs.height > 100
    both = duck_pairs.join(spark_pairs, on=KEY, how="inner", suffix="_spark")
    assert both.height == duck_pairs.height == spark_pairs.height
    gammas = [c for c in duck_pairs.columns if c.startswith("gamma_")]
    assert len(gammas) >= 4
    for gamma in gammas:  # every comparison level the same, custom SQL levels included
        assert both.filter(pl.col(gamma) != pl.col(f"{gamma}_spark")).height == 0, gamma
    swapped = comparisons.level_gamma("dob", "day and month swapped")  # a custom SQL level
    assert both.filter(pl.col("gamma_dob_spark") == swapped).height > 5
    difference = (both["match_weight"] - both["match_weight_spark"]).abs().max()
    assert isinstance(difference, float) and difference < 1e-9

    residents = _residents(borough, spark_pairs, spark)
    assert residents == _residents(borough, duck_pairs, duck)
    # The pairs the rules read, chosen by each engine before they are copied out of it.
    on_spark, on_duck = scoring.scored_pairs(spark, 0.2), scoring.scored_pairs(duck, 0.2)
    narrow = on_spark.join(on_duck, on=KEY)
    assert narrow.height == on_spark.height == on_duck.height >= duck_pairs.height
    assert (narrow["match_weight"] - narrow["match_weight_right"]).abs().max() < 1e-9
    assert borough.height > len(residents) > borough.height / 3


@pytest.mark.nostore
def test_a_model_moves_between_dialects_keeping_its_meaning():
    duck = (
        "jaro_winkler_similarity(a_l, a_r) >= 0.9 AND array_length(list_intersect(b_l, b_r)) >= 1"
    )
    spark = backends.translate_sql(duck, "duckdb", "spark")
    assert spark.lower() == (
        "jaro_winkler(a_l, a_r) >= 0.9 and size(array_intersect(b_l, b_r)) >= 1"
    )
    back = backends.translate_sql(spark, "spark", "duckdb").lower()
    assert back.startswith("jaro_winkler_similarity(a_l, a_r) >= 0.9")
    overlap = backends.translate_sql('list_has_any("b_l", "b_r")', "duckdb", "spark")
    assert overlap.lower() == "arrays_overlap(`b_l`, `b_r`)"  # Spark has no `&&` on arrays
    assert backends.translate_sql(overlap, "spark", "duckdb").lower() == (
        'list_has_any("b_l", "b_r")'
    )
    saved = {
        "sql_dialect": "duckdb",
        "comparisons": [
            {"comparison_levels": [{"sql_condition": duck}, {"sql_condition": "ELSE"}]}
        ],
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": 'l."dob" = r."dob"', "sql_dialect": "duckdb"}
        ],
    }
    moved = backends.translate_model(saved, "spark")
    assert moved["sql_dialect"] == "spark"
    assert [lv["sql_condition"] for lv in moved["comparisons"][0]["comparison_levels"]] == [
        spark,
        "ELSE",
    ]
    assert (
        moved["blocking_rules_to_generate_predictions"][0]["blocking_rule"] == "l.`dob` = r.`dob`"
    )


@pytest.mark.nostore
def test_spark_without_java_says_what_to_install(monkeypatch):
    monkeypatch.setenv("JAVA_HOME", "/nonexistent/jdk")
    with pytest.raises(backends.BackendUnavailable, match="install Java 17") as raised:
        backends.db_api("spark")
    assert "/nonexistent/jdk" in raised.value.message


@pytest.mark.nostore
def test_spark_without_pyspark_says_to_install_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(backends.BackendUnavailable, match=r"install the spark extra"):
        backends.db_api("spark")
