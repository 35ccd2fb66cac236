"""Standardising partners' values, vectorised with polars.

Each function takes a column of raw text and returns the standardised column plus a mask of
the cells that had a value but could not be standardised ("bad"), so the importer can report
them by row and column. Slow per-value libraries (phonenumbers) run once per distinct value.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

import polars as pl

POSTCODE = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
TITLES = r"(?i)^(?:mr|mrs|ms|miss|mx|dr|prof|rev|revd|sir|dame|lady|lord|master)\.?\s+"
SUFFIXES = r"(?i)\s+(?:jr|jnr|sr|snr|ii|iii|iv)\.?$"
PARTICLES = r"(?:van|von|de|del|della|der|den|di|da|du|dos|das|le|la|ter|bin|ibn|al|el|ap)"
SPLIT_LAST = rf"(?i)^(.*?)\s+((?:{PARTICLES}\s+)*\S+)$"
EXCEL_EPOCH = date(1899, 12, 30)
FORMAT_SAMPLE = 2000  # values looked at to decide a date column's format
# Candidate date formats, UK day-first before US month-first so ties go the UK way.
DATE_CANDIDATES = (
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d/%m/%y",
    "%d.%m.%y",
    "%d-%m-%y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%m/%d/%Y",
    "excel",
)
FORMAT_LABELS = {
    "%d/%m/%Y": "DD/MM/YYYY",
    "%d-%m-%Y": "DD-MM-YYYY",
    "%d.%m.%Y": "DD.MM.YYYY",
    "%Y-%m-%d": "YYYY-MM-DD",
    "%Y/%m/%d": "YYYY/MM/DD",
    "%Y%m%d": "YYYYMMDD",
    "%d/%m/%y": "DD/MM/YY",
    "%d.%m.%y": "DD.MM.YY",
    "%d-%m-%y": "DD-MM-YY",
    "%d %b %Y": "DD Mon YYYY",
    "%d %B %Y": "DD Month YYYY",
    "%d-%b-%Y": "DD-Mon-YYYY",
    "%d-%b-%y": "DD-Mon-YY",
    "%m/%d/%Y": "MM/DD/YYYY",
    "excel": "Excel day number",
}


@dataclass
class Cleaned:
    """A standardised column and the mask of cells that had a value but did not standardise."""

    values: pl.Series
    bad: pl.Series


def text(raw: pl.Series) -> pl.Series:
    """Trimmed, Unicode-normalised (NFKC), single-spaced text; empty cells become null."""
    cleaned = raw.str.normalize("NFKC").str.replace_all(r"\s+", " ").str.strip_chars()
    return cleaned.replace("", None)


def names(raw: pl.Series) -> pl.Series:
    """A name column: clean text in title case ('o'BRIEN ' -> "O'Brien")."""
    return text(raw).str.strip_chars(" .,;:").str.to_titlecase().replace("", None)


def search_keys(names: pl.Series) -> pl.Series:
    """Each name as resident search compares it: accents dropped ("José" -> "jose"), lower
    case, letters only ("O'Brien-Smith" -> "obriensmith"); null when no letter is left."""
    decomposed = names.str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    letters = decomposed.str.to_lowercase().str.replace_all(r"[^a-z]", "")
    return letters.replace("", None)


def search_key(name: str) -> str:
    """One typed name as `search_keys` writes names (the same rule, for a search)."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return "".join(c for c in plain if "a" <= c <= "z")


def split_full_names(raw: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Forename(s) and surname from one name column: 'SMITH, John' or 'Dr John van Smith Jr'."""
    full = text(raw).str.replace(TITLES, "").str.replace(SUFFIXES, "")
    comma = full.str.contains(",").fill_null(False)
    around = full.str.splitn(",", 2).struct.rename_fields(["a", "b"])
    last = full.str.extract_groups(SPLIT_LAST).struct.rename_fields(["first", "last"])
    forename = pl.select(
        pl.when(comma).then(around.struct.field("b")).otherwise(last.struct.field("first"))
    ).to_series()
    surname = pl.select(
        pl.when(comma).then(around.struct.field("a")).otherwise(last.struct.field("last"))
    ).to_series()
    return names(forename.rename(raw.name)), names(surname.rename(raw.name))


def postcodes(raw: pl.Series) -> Cleaned:
    """UK postcodes validated and written the Royal Mail way: 'db47qt' -> 'DB4 7QT'."""
    squashed = raw.str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "").replace("", None)
    valid = squashed.str.contains(POSTCODE)
    values = pl.select(
        pl.when(valid).then(squashed.str.replace(POSTCODE, "$1 $2")).otherwise(None)
    ).to_series()
    return Cleaned(values, (squashed.is_not_null() & ~valid.fill_null(False)))


def uprns(raw: pl.Series) -> Cleaned:
    """UPRNs as digits without leading zeros (1 to 12 digits); Excel's '.0' forgiven."""
    digits = raw.str.strip_chars().str.replace(r"\.0+$", "").replace("", None)
    valid = digits.str.contains(r"^\d{1,12}$") & ~digits.str.contains(r"^0+$")
    values = pl.select(
        pl.when(valid).then(digits.str.strip_chars_start("0")).otherwise(None)
    ).to_series()
    return Cleaned(values, digits.is_not_null() & ~valid.fill_null(False))


def emails(raw: pl.Series) -> Cleaned:
    """Email addresses trimmed and lower-cased; ones without user@domain.tld are bad."""
    lowered = raw.str.strip_chars().str.to_lowercase().replace("", None)
    valid = lowered.str.contains(EMAIL)
    values = pl.select(pl.when(valid).then(lowered).otherwise(None)).to_series()
    return Cleaned(values, lowered.is_not_null() & ~valid.fill_null(False))


def phones(raw: pl.Series) -> Cleaned:
    """Phone numbers as E.164 ('+447700900123'), validated as GB numbers.

    UK mobiles in a plain shape take a vectorised fast path (the whole 07[1-57-9] range is
    mobile); everything else goes through `phonenumbers`, once per distinct value.
    """
    trimmed = raw.str.strip_chars().replace("", None)
    digits = trimmed.str.replace_all(r"[\s\-\(\)\.]", "")
    mobile = digits.str.extract(r"^(?:0|\+44|0044|44)(7[1-57-9]\d{8})$", 1)
    slow = trimmed.filter(mobile.is_null() & trimmed.is_not_null()).unique()
    lookup = {value: _phone_e164(value) for value in slow.to_list()}
    looked_up = trimmed.replace_strict(lookup, default=None, return_dtype=pl.String)
    values = pl.select(
        pl.when(mobile.is_not_null()).then("+44" + mobile).otherwise(looked_up)
    ).to_series()
    return Cleaned(values, trimmed.is_not_null() & values.is_null())


def _phone_e164(value: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def detect_date_format(sample: pl.Series) -> str | None:
    """The format that reads most of a column's values (decided per column, not per cell)."""
    values = text(sample).drop_nulls().head(FORMAT_SAMPLE)
    if values.is_empty():
        return None
    scores = [
        (parse_dates(values, fmt).is_not_null().sum(), -i, fmt)
        for i, fmt in enumerate(DATE_CANDIDATES)
    ]
    best = max(scores)
    return best[2] if best[0] > 0 else None


def parse_dates(raw: pl.Series, fmt: str) -> pl.Series:
    """Dates read with one format; values that are not real dates in it become null."""
    cleaned = text(raw)
    if fmt == "excel":
        return _excel_serials(cleaned)
    parsed = cleaned.str.strptime(pl.Date, fmt, strict=False)
    if "%y" in fmt:
        return _two_digit_years(parsed)
    # strptime's %Y takes '90' as the year 90: a four-digit year is meant, so refuse it
    return parsed.set(parsed.dt.year() < 1000, None)


def _excel_serials(cleaned: pl.Series) -> pl.Series:
    """Excel day numbers (days since 30 Dec 1899) as dates."""
    serial = cleaned.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    serial = serial.set((serial <= 0) | (serial >= 80000), None)
    dates = pl.select(pl.lit(EXCEL_EPOCH) + pl.duration(days=pl.lit(serial))).to_series()
    return dates.cast(pl.Date)


def _two_digit_years(parsed: pl.Series) -> pl.Series:
    """Two-digit years that land in the future belong to the previous century."""
    future = parsed > date.today()
    earlier = parsed.dt.offset_by("-100y")
    return pl.select(pl.when(future).then(earlier).otherwise(parsed)).to_series()


def dates(raw: pl.Series, fmt: str | None) -> Cleaned:
    """A date column read with its column-wide format; unreadable values are bad."""
    cleaned = text(raw)
    if fmt is None:
        return Cleaned(pl.Series(raw.name, [None] * len(raw), pl.Date), cleaned.is_not_null())
    values = parse_dates(cleaned, fmt)
    return Cleaned(values, cleaned.is_not_null() & values.is_null())


def money_pence(raw: pl.Series) -> Cleaned:
    """Money in pounds ('£1,234.50', '95.5') as integer pence."""
    cleaned = text(raw)
    number = cleaned.str.replace_all(r"[£,\s]|GBP", "").cast(pl.Float64, strict=False)
    pence = (number * 100).round(0).cast(pl.Int64)
    return Cleaned(pence, cleaned.is_not_null() & pence.is_null())


def counts(raw: pl.Series, *, most: int = 30) -> Cleaned:
    """Whole numbers from 0 to `most` ('3', '3.0')."""
    cleaned = text(raw)
    number = cleaned.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    in_range = (number >= 0) & (number <= most)
    values = pl.select(pl.when(in_range).then(number).otherwise(None)).to_series()
    return Cleaned(values, cleaned.is_not_null() & values.is_null())


TENURE_PATTERNS = (
    ("owner_mortgage", r"mortgage|shared ownership|buying"),
    (
        "social_rent",
        r"council|local authority|\bla\b|housing association|\bha\b|social"
        r"|\brsl\b|registered provider|\bhousing co",
    ),
    ("private_rent", r"private|\bprs\b|landlord|rented|renting|tenant"),
    ("owner_outright", r"own|outright|freehold"),
    ("other", r"other|temporary|family|friends|lodg|homeless|supported|hostel|sofa|none"),
)


def tenures(raw: pl.Series) -> Cleaned:
    """Tenure in the product's words: owner_outright, owner_mortgage, private_rent, social_rent,
    other."""
    lowered = text(raw).str.to_lowercase()
    expr = pl.lit(None, dtype=pl.String)
    for name, pattern in reversed(TENURE_PATTERNS):
        expr = pl.when(lowered.str.contains(pattern)).then(pl.lit(name)).otherwise(expr)
    values = pl.select(expr).to_series()
    return Cleaned(values, lowered.is_not_null() & values.is_null())


RENT_PERIODS = (
    ("four_weeks", r"^(4|four)[\s\-]?(weekly|weeks?|wk)"),
    ("fortnight", r"fortnight|^(2|two)[\s\-]?(weekly|weeks?|wk)"),
    ("week", r"^(weekly|week|wk|pw|per week|w)$"),
    ("month", r"month|^(pcm|pm|calendar month|m)$"),
    ("year", r"^(year|yearly|annual|annually|pa|per annum|y)$"),
)


def rent_periods(raw: pl.Series) -> Cleaned:
    """Rent period: week, fortnight, four_weeks, month or year."""
    lowered = text(raw).str.to_lowercase()
    expr = pl.lit(None, dtype=pl.String)
    for name, pattern in reversed(RENT_PERIODS):
        expr = pl.when(lowered.str.contains(pattern)).then(pl.lit(name)).otherwise(expr)
    values = pl.select(expr).to_series()
    return Cleaned(values, lowered.is_not_null() & values.is_null())


def addresses(raw: pl.Series) -> pl.Series:
    """An address as one upper-case line, parts joined by ', '."""
    cleaned = text(raw).str.to_uppercase()
    return cleaned.str.replace_all(r"\s*,[\s,]*", ", ").str.strip_chars(" ,").replace("", None)


def address_key(address: pl.Series) -> pl.Series:
    """An address reduced for grouping households: letters, digits and single spaces."""
    return (
        address.str.replace_all(r"[^A-Z0-9 ]", " ").str.replace_all(r"\s+", " ").str.strip_chars()
    )
