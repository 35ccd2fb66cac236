"""The hard rules a match may never break, one provider at a time.

This is the readable statement of the rules and the reference the fast column-store filter
(`columns.py`) is tested against: the property tests check that both always agree, and that no
ranked result breaks a rule. It also says, in words, why a provider was left out.
"""

from __future__ import annotations

import math

from safetynet.match.model import REMOTE_FORMATS, Format, Provider, Seeker

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_km(provider: Provider, seeker: Seeker) -> float | None:
    """How far the seeker is from where the provider meets people (None: unknown)."""
    if None in (provider.lat, provider.lon, seeker.lat, seeker.lon):
        return None
    return haversine_km(seeker.lat, seeker.lon, provider.lat, provider.lon)  # type: ignore[arg-type]


def usable_formats(provider: Provider, seeker: Seeker) -> frozenset[str]:
    """The formats both sides accept, in person only where it is within the seeker's distance.

    In person needs a known place for the provider; with a distance limit it also needs a known
    place for the seeker (an unknown distance is never taken to be within a limit).
    """
    shared = provider.formats & frozenset(seeker.formats)
    if Format.IN_PERSON.value in shared:
        distance = distance_km(provider, seeker)
        too_far = seeker.max_distance_km is not None and (
            distance is None or distance > seeker.max_distance_km
        )
        if provider.lat is None or provider.lon is None or too_far:
            shared = shared - {Format.IN_PERSON.value}
    return shared


def effective_cost_pence(provider: Provider, seeker: Seeker) -> int:
    """What the seeker would pay: the concession price where concessions apply to them."""
    if provider.concessions and seeker.low_income:
        return min(provider.cost_pence, provider.concession_cost_pence)
    return provider.cost_pence


def broken_rules(provider: Provider, seeker: Seeker) -> list[str]:
    """Every hard rule this provider breaks for this seeker, in words (empty: a candidate)."""
    checks = (
        _kind_and_need(provider, seeker),
        _language(provider, seeker),
        _format(provider, seeker),
        _gender(provider, seeker),
        _cost(provider, seeker),
        _capacity(provider),
        _age(provider, seeker),
        _residency(provider, seeker),
        *_job(provider, seeker),
    )
    return [reason for reason in checks if reason]


def allowed(provider: Provider, seeker: Seeker) -> bool:
    """Whether the provider breaks none of the hard rules for this seeker."""
    return not broken_rules(provider, seeker)


def _kind_and_need(provider: Provider, seeker: Seeker) -> str | None:
    if seeker.kind is not None and provider.kind != seeker.kind:
        return f"is a {provider.kind}, not a {seeker.kind}"
    if seeker.needs and not seeker.needs & provider.categories:
        return "does not help with any of the needs"
    return None


def _language(provider: Provider, seeker: Seeker) -> str | None:
    if not provider.languages & frozenset(seeker.languages):
        return "speaks none of the seeker's languages"
    return None


def _format(provider: Provider, seeker: Seeker) -> str | None:
    if usable_formats(provider, seeker):
        return None
    if provider.formats & frozenset(seeker.formats) - REMOTE_FORMATS:
        return "is only available in person, beyond the distance limit"
    return "offers none of the formats the seeker can use"


def _gender(provider: Provider, seeker: Seeker) -> str | None:
    wanted = seeker.gender_preference
    if wanted is not None and provider.gender != wanted:
        return f"is not {wanted}, as the seeker asked"
    return None


def _cost(provider: Provider, seeker: Seeker) -> str | None:
    limit = seeker.max_cost_pence
    if limit is not None and effective_cost_pence(provider, seeker) > limit:
        return "costs more than the seeker can pay"
    return None


def _capacity(provider: Provider) -> str | None:
    return None if provider.capacity > 0 else "has no places free"


def _age(provider: Provider, seeker: Seeker) -> str | None:
    if provider.min_age is None and provider.max_age is None:
        return None
    if seeker.age is None:
        return "has an age limit and the seeker's age is not known"
    low = provider.min_age if provider.min_age is not None else 0
    high = provider.max_age if provider.max_age is not None else 200
    return None if low <= seeker.age <= high else "is for another age group"


def _residency(provider: Provider, seeker: Seeker) -> str | None:
    if not provider.areas or seeker.area in provider.areas:
        return None
    return "serves residents of other areas only"


def _job(provider: Provider, seeker: Seeker) -> tuple[str | None, ...]:
    if provider.kind != "vacancy":
        return ()
    hours, pay = provider.hours_per_week, provider.pay_pence_per_hour
    low_hours = seeker.min_hours is not None and (hours is None or hours < seeker.min_hours)
    high_hours = seeker.max_hours is not None and (hours is None or hours > seeker.max_hours)
    low_pay = seeker.min_pay_pence_per_hour is not None and (
        pay is None or pay < seeker.min_pay_pence_per_hour
    )
    sector = seeker.sectors and provider.sector not in seeker.sectors
    return (
        "hours outside what the seeker can work" if low_hours or high_hours else None,
        "pays less than the seeker needs" if low_pay else None,
        "is in another sector" if sector else None,
    )
