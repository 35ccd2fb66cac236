"""Build policyengine-uk simulations of hand-built households without the per-build waste.

`Simulation.__init__` in policyengine-uk 2.162 constructs a fresh `CountryTaxBenefitSystem`,
clears its parameter caches, clones the whole simulation as a baseline, and runs the July 2025
Universal Credit reform modifier, which changes nothing before 2026/27. For current law and
no reform, none of that changes a result, yet it costs seconds per build (FIELD-NOTES.md).

Here, and only here, those steps are bypassed for the duration of one build:
- one current-law tax-benefit system per mode is built once and reused, caches kept;
- the baseline is the simulation itself (no reform, so baseline and reform are the same);
- the July 2025 UC modifier is skipped only when the results asked for are 2025/26.

Nothing here has a public switch in the package, so it is pinned to the version we test
(`PINNED_VERSION`) and falls back to the untouched path on any other. Reforms mutate the system
and it is not thread-safe, so builds and calculations run under one lock and never with a
reform. `tests/entitlements/test_fastpath.py` compares every reported benefit on a few hundred
varied households against the untouched path.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from typing import Any

PINNED_VERSION = "2.162"
# The July 2025 UC reform only changes results from 2026/27 on.
UC_MODIFIER_NEUTRAL_YEARS = frozenset({2025})

_lock = threading.RLock()
_systems: dict[bool, Any] = {}


def supported() -> bool:
    """Whether the installed engine is the version these shortcuts were checked against."""
    return version("policyengine-uk").startswith(PINNED_VERSION + ".")


def lock() -> threading.RLock:
    """The lock every build and calculation on a shared system holds."""
    return _lock


def _shared_system(skip_uc_modifier: bool) -> Any:
    """One current-law system per mode: the UC modifier edits the system it runs on."""
    if skip_uc_modifier not in _systems:
        from policyengine_uk.tax_benefit_system import CountryTaxBenefitSystem

        _systems[skip_uc_modifier] = CountryTaxBenefitSystem()
    return _systems[skip_uc_modifier]


@contextmanager
def _shortcuts(skip_uc_modifier: bool) -> Iterator[None]:
    from policyengine_uk import simulation as pe_simulation
    from policyengine_uk.scenarios import universal_credit_july_2025_reform as uc_reform

    system = _shared_system(skip_uc_modifier)
    saved_system_class = pe_simulation.CountryTaxBenefitSystem
    saved_clone = pe_simulation.Simulation.clone
    saved_modifier = uc_reform.simulation_modifier

    def reuse_system(capital_gains_projection: Any = None) -> Any:
        if capital_gains_projection is not None:
            return saved_system_class(capital_gains_projection=capital_gains_projection)
        return system

    def itself(simulation: Any, *args: Any, **kwargs: Any) -> Any:
        return simulation

    pe_simulation.CountryTaxBenefitSystem = reuse_system
    pe_simulation.Simulation.clone = itself
    system.reset_parameter_caches = lambda: None
    if skip_uc_modifier:
        object.__setattr__(uc_reform, "simulation_modifier", lambda simulation: None)
    try:
        yield
    finally:
        pe_simulation.CountryTaxBenefitSystem = saved_system_class
        pe_simulation.Simulation.clone = saved_clone
        del system.reset_parameter_caches
        object.__setattr__(uc_reform, "simulation_modifier", saved_modifier)


def build(situation: dict[str, Any], year: int) -> Any:
    """A current-law `Simulation` of the situation, for results in financial `year`.

    The caller calculates under `lock()`; the simulation shares its system with others.
    """
    from policyengine_uk import Simulation

    if not supported():
        return Simulation(situation=situation)
    with _lock, _shortcuts(skip_uc_modifier=year in UC_MODIFIER_NEUTRAL_YEARS):
        return Simulation(situation=situation)


def warm(year: int) -> None:
    """Build the shared system for `year`'s mode now (before forking workers, say)."""
    if supported():
        with _lock:
            _shared_system(skip_uc_modifier=year in UC_MODIFIER_NEUTRAL_YEARS)


def build_naive(situation: dict[str, Any]) -> Any:
    """The untouched engine path: what policyengine-uk does by default."""
    from policyengine_uk import Simulation

    return Simulation(situation=situation)
