"""The comparisons and blocking rules of the linkage model, built for UK people data.

Each comparison's levels run from most to least alike; Splink learns how much each level says
about two records being the same person. Custom levels are written in DuckDB SQL and rewritten
for Spark when the model runs there (`backends.portable_level`).
"""

from __future__ import annotations

from typing import Any

from safetynet.link.backends import portable_level

DOB_SWAPPED = (
    "month(dob_l) = day(dob_r) AND day(dob_l) = month(dob_r) AND year(dob_l) = year(dob_r)"
)
NAMES_SWAPPED = (
    "(forename_first_l = surname_r AND jaro_winkler_similarity(surname_l, "
    "forename_first_r) >= 0.8) OR (surname_l = forename_first_r AND "
    "jaro_winkler_similarity(forename_first_l, surname_r) >= 0.8)"
)


def comparisons(present: set[str] | None = None) -> list[Any]:
    """Forename, surname, date of birth, postcode, address, and exact identifiers.

    With `present` (the columns every input has values in), comparisons of columns some input
    lacks are left out: a comparison that can never be seen cannot be trained.
    """
    built = {
        "forename_first": _forename,
        "surname": _surname,
        "dob": _dob,
        "postcode": _postcode,
        "address_numbers": _address_numbers,
        "address_rest": _address_words,
        "uprn": lambda: _exact("uprn"),
        "phone": lambda: _exact("phone"),
        "email": lambda: _exact("email"),
    }
    chosen = [make() for column, make in built.items() if present is None or column in present]
    return chosen + [_exact(c) for c in sorted(present or ()) if c.startswith("cmp_")]


def _forename() -> Any:
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(
        [
            cll.NullLevel("forename_first"),
            cll.ExactMatchLevel("forename").configure(tf_adjustment_column="forename"),
            cll.ExactMatchLevel("forename_first").configure(tf_adjustment_column="forename_first"),
            portable_level(NAMES_SWAPPED, "forename and surname swapped"),
            shares_any("forename_family", "nickname or formal form (Bill / William)"),
            cll.JaroWinklerLevel("forename_first", 0.92),
            edits_within("forename_first", 1),
            cll.JaroWinklerLevel("forename_first", 0.8),
            cll.ElseLevel(),
        ],
        output_column_name="forename",
    )


def _surname() -> Any:
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(
        [
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname").configure(tf_adjustment_column="surname"),
            portable_level(NAMES_SWAPPED, "forename and surname swapped"),
            cll.JaroWinklerLevel("surname", 0.92),
            edits_within("surname", 2),
            shares_any("surname_parts", "shares part of a double-barrelled surname"),
            cll.JaroWinklerLevel("surname", 0.8),
            cll.ElseLevel(),
        ],
        output_column_name="surname",
    )


def _dob() -> Any:
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(
        [
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            portable_level(DOB_SWAPPED, "day and month swapped"),
            edits_within("dob_text", 1, "one digit wrong or two transposed"),
            portable_level(
                "month(dob_l) = month(dob_r) AND day(dob_l) = day(dob_r) "
                "AND abs(year(dob_l) - year(dob_r)) = 1",
                "one year off",
            ),
            cll.AbsoluteDateDifferenceLevel(
                "dob", input_is_string=False, threshold=1, metric="year"
            ),
            cll.ElseLevel(),
        ],
        output_column_name="dob",
    )


def _postcode() -> Any:
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(
        [
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode").configure(tf_adjustment_column="postcode"),
            cll.ExactMatchLevel("postcode_sector").configure(label_for_charts="same sector"),
            cll.ExactMatchLevel("postcode_district").configure(label_for_charts="same district"),
            cll.ElseLevel(),
        ],
        output_column_name="postcode",
    )


def _address_numbers() -> Any:
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(
        [
            portable_level(
                "address_numbers_l IS NULL OR address_numbers_r IS NULL "
                "OR array_length(address_numbers_l) = 0 OR array_length(address_numbers_r) = 0"
            ).configure(is_null_level=True, label_for_charts="no number"),
            cll.ExactMatchLevel("address_numbers").configure(label_for_charts="same numbers"),
            shares_any("address_numbers", "Array intersection size >= 1"),
            cll.ElseLevel(),
        ],
        output_column_name="address_numbers",
    )


def _address_words() -> Any:
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(
        [
            cll.NullLevel("address_rest"),
            cll.ExactMatchLevel("address_rest"),
            cll.JaroWinklerLevel("address_rest", 0.9),
            cll.JaroWinklerLevel("address_rest", 0.7),
            cll.ElseLevel(),
        ],
        output_column_name="address_words",
    )


def edits_within(column: str, edits: int, label: str | None = None) -> Any:
    """Damerau-Levenshtein distance of `column` at most `edits`, the same pairs as Splink's
    `DamerauLevenshteinLevel` at a fraction of the cost.

    DuckDB's `damerau_levenshtein` was most of the time spent scoring pairs (7 s for 3M pairs
    of names against under 1 s for `levenshtein`). The distance is computed only where it can
    decide: strings whose lengths differ by more than `edits` are further apart; Levenshtein
    distance is never less than Damerau-Levenshtein (so at most `edits` settles it) and at
    most twice it (a transposition costs 1 in one, 2 in the other), so only pairs in between
    need the slower function.
    """
    left, right = f'"{column}_l"', f'"{column}_r"'
    plain = f"levenshtein({left}, {right})"
    sql = (
        f"abs(length({left}) - length({right})) <= {edits} AND ({plain} <= {edits} OR "
        f"({plain} <= {2 * edits} AND damerau_levenshtein({left}, {right}) <= {edits}))"
    )
    return portable_level(sql, label or f"Damerau-Levenshtein distance of {column} <= {edits}")


def shares_any(column: str, label: str) -> Any:
    """The two lists in `column` have a value in common: the same pairs as Splink's
    `ArrayIntersectLevel(column, 1)` (whose DuckDB SQL builds the intersection to count it)
    in about two thirds of the time (0.87 -> 0.57 s per 3M pairs). Spark runs it as
    `arrays_overlap`, which agrees for lists without null elements, as `prepare` makes them.
    """
    return portable_level(f'list_has_any("{column}_l", "{column}_r")', label)


def _exact(name: str) -> Any:
    from splink.comparison_library import ExactMatch

    return ExactMatch(name)


def prediction_blocking_rules(
    identifiers: tuple[str, ...] = (), *, tight: bool = False
) -> list[Any]:
    """Which pairs are compared at all: any one of these must hold (`identifiers` are extra
    columns compared exactly, each also a block of its own).

    `tight` narrows the two rules whose pairs grow with the square of the list (names written
    the wrong way round; address start and surname initial): on a million records they made
    256M of 285M pairs. Small lists keep the wide forms, which find more corrupted records.
    """
    from splink import block_on

    if tight:
        wide = [
            # one birthday: 13.7M of a million records' pairs, split by either initial
            block_on("dob", "substr(forename_first, 1, 1)"),
            block_on("dob", "substr(surname, 1, 1)"),
            "l.forename_first = r.surname AND l.surname = r.forename_first",
            block_on(
                "substr(address_rest, 1, 6)",
                "substr(surname, 1, 1)",
                "substr(forename_first, 1, 1)",
            ),
        ]
    else:
        wide = [
            block_on("dob"),
            "l.forename_first = r.surname",  # names written the wrong way round
            "l.surname = r.forename_first",
            block_on("substr(address_rest, 1, 6)", "substr(surname, 1, 1)"),
        ]
    return [
        *(block_on(c) for c in identifiers),
        block_on("forename_first", "surname"),
        block_on("surname", "postcode"),
        block_on("forename_first", "postcode"),
        block_on("surname", "postcode_district"),
        block_on("substr(forename_first, 1, 2)", "substr(surname, 1, 2)", "year(dob)"),
        block_on("address_rest", "postcode", "substr(surname, 1, 1)"),
        block_on("address_rest", "address_numbers"),
        *wide,
        block_on("uprn"),
        block_on("phone"),
        block_on("email"),
    ]


def training_blocking_rules(*, tight: bool = False) -> list[Any]:
    """Blocks for EM: each leaves out some comparisons, which the others estimate.

    Not same-address blocks: there EM meets mostly relatives and learns "same household" as
    "same person" (FIELD-NOTES, Splink). `tight` splits the date-of-birth block by an initial
    (on a million records it held 14.5M pairs and EM over it dominated training): the
    surname-initial half trains the forename, the forename-initial half the surname.
    """
    from splink import block_on

    if not tight:
        return [block_on("forename_first", "surname"), block_on("dob")]
    return [
        block_on("forename_first", "surname"),
        block_on("dob", "substr(surname, 1, 1)"),
        block_on("dob", "substr(forename_first, 1, 1)"),
    ]


def level_gamma(comparison: str, label: str) -> int:
    """The comparison-vector value Splink gives the level labelled `label` of `comparison`.

    Splink numbers a comparison's non-null levels from the bottom (else = 0) upwards, so rules
    that read gammas ask here rather than hard-coding numbers that move when a level is added.
    """
    for built in comparisons():
        spec = built.get_comparison("duckdb").as_dict()
        if spec["output_column_name"] != comparison:
            continue
        levels = [lv for lv in spec["comparison_levels"] if not lv.get("is_null_level")]
        labels = [lv.get("label_for_charts") or lv["sql_condition"] for lv in levels]
        return len(levels) - 1 - labels.index(label)
    raise KeyError(comparison)
