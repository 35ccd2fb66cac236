"""`demo run`: build a demo council area end to end — store, accounts, borough, imports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from safetynet import migrations
from safetynet.accounts import service as accounts
from safetynet.accounts.models import Organisation, Tenant
from safetynet.accounts.passwords import generate_password
from safetynet.errors import Conflict
from safetynet.sources import service as sources
from safetynet.sources.mapping import AGREEMENT_FIELDS

DEMO_AREA = "Demo Borough"
DEMO_AREA_SLUG = "demo-borough"
ACTOR = "demo"
COUNCIL_FIELDS = list(AGREEMENT_FIELDS)  # the council's own lists may hold any field
PARTNER_FIELDS = [
    "row_id",
    "person_ref",
    "forename",
    "surname",
    "full_name",
    "dob",
    "postcode",
    "address",
    "phone",
    "email",
    "visit_date",
    "tenure",
    "children_count",
    "extras",
]
COUNCIL_ROLES = ("admin", "analyst", "caseworker")
# A partner's front desk uploads its lists; its caseworker sees who is missing among its own
# clients (what the partners' agreements let them see back).
PARTNER_ROLES = ("partner", "caseworker")
PARTNER_SEE_BACK = ("own_records", "contact_status", "gap_flags", "linked_programmes")


@dataclass
class Login:
    """A demo account and its one-time password."""

    email: str
    role: str
    organisation: str
    password: str


@dataclass
class DemoResult:
    """Everything `demo run` made, for the summary."""

    data_dir: Path
    logins: list[Login] = field(default_factory=list)
    imports: list[tuple[object, sources.ImportOutcome]] = field(default_factory=list)


def store_state(engine: Engine) -> str:
    """'empty', 'demo' (holds only an earlier demo) or 'real' (holds real council areas)."""
    migrations.upgrade(engine)
    with Session(engine) as session:
        areas = set(session.scalars(select(Tenant.slug)))
    if areas - {DEMO_AREA_SLUG}:
        return "real"
    return "demo" if areas else "empty"


def reset_store(engine: Engine) -> None:
    """Make the store empty and migrated: delete an earlier demo's SQLite file."""
    state = store_state(engine)
    if state == "real":
        raise Conflict(
            "This store holds real council areas; the demo will not touch it. "
            "Point SAFETYNET_DATA_DIR or SAFETYNET_DATABASE_URL at an empty store."
        )
    if state == "empty":
        return
    if engine.dialect.name != "sqlite" or not engine.url.database:
        raise Conflict(
            "This store already holds a demo borough. Empty the database, or point "
            "SAFETYNET_DATABASE_URL at another one."
        )
    engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{engine.url.database}{suffix}").unlink(missing_ok=True)
    migrations.upgrade(engine)


def create_accounts(
    session: Session, organisations: tuple[tuple[str, str, str], ...]
) -> list[Login]:
    """Demo organisations, one user per role (random passwords), and their agreements."""
    logins: list[Login] = []
    for slug, name, kind in organisations:
        accounts.create_organisation(
            session, name=name, kind=kind, tenant=DEMO_AREA, slug=slug, actor=ACTOR
        )
        roles = COUNCIL_ROLES if kind == "council" else PARTNER_ROLES
        for role in roles:
            login = Login(f"{role}@{slug}.demo.example", role, slug, generate_password())
            accounts.create_user(
                session,
                email=login.email,
                full_name=f"Demo {role.title()}",
                organisation=slug,
                role=role,
                password=login.password,
                actor=ACTOR,
            )
            logins.append(login)
    council = next(slug for slug, _, kind in organisations if kind == "council")
    for slug, name, kind in organisations:
        accounts.create_agreement(session, _terms(slug, name, kind, council), actor=ACTOR)
    return logins


def _terms(slug: str, name: str, kind: str, council: str) -> accounts.AgreementTerms:
    own = kind == "council"
    return accounts.AgreementTerms(
        reference=f"DEMO-{slug.upper()}",
        title="Council data for financial inclusion" if own else f"{name} to council",
        purpose="Find residents missing out on support they are entitled to, and offer help.",
        lawful_basis="public_task",
        suppliers=[slug],
        recipients=[] if own else [council],
        fields_allowed=COUNCIL_FIELDS if own else PARTNER_FIELDS,
        see_back=() if own else PARTNER_SEE_BACK,
        retention_days=730,
        start_date=date(2026, 1, 1),
    )


def import_lists(session: Session, manifest: object) -> list[tuple[object, sources.ImportOutcome]]:
    """Import every partner list of the borough, keeping invalid rows aside as an analyst would."""
    done = []
    for item in manifest.lists:  # type: ignore[attr-defined]
        request = sources.ImportRequest(
            path=item.path,
            organisation=item.org,
            source=item.source,
            kind=item.kind,
            mode=item.mode,
            mapping_file=item.mapping,
            sheet=item.sheet,
            skip_invalid_rows=True,
        )
        done.append((item, sources.run_import(session, request, actor=ACTOR)))
    return done


def import_wards(session: Session, manifest: object) -> object:
    """Import the borough's postcode -> ward lookup and ward boundaries."""
    from safetynet.places import service as places

    return places.import_wards(
        session,
        tenant=places.council_area(session, DEMO_AREA_SLUG),
        lookup=manifest.ward_lookup,  # type: ignore[attr-defined]
        boundaries=manifest.wards_geojson,  # type: ignore[attr-defined]
        actor=ACTOR,
    )


def import_place_files(session: Session, manifest: object, seed: int) -> list[object]:
    """Write the borough's published-format place files (postcode directory, deprivation,
    broadband) beside its lists and import them, as a council would the downloaded ones."""
    from safetynet.demo.placefiles import write_place_files
    from safetynet.places import reference
    from safetynet.places import service as places

    lookup = manifest.ward_lookup  # type: ignore[attr-defined]
    written = write_place_files(lookup, lookup.parent, seed)
    tenant = places.council_area(session, DEMO_AREA_SLUG)
    return [
        reference.import_file(
            session, tenant=tenant, kind=kind, path=path, actor=ACTOR, edition=edition
        )
        for kind, path, edition in (
            ("postcodes", written.postcodes, "Demo postcode directory (NSPL layout)"),
            ("deprivation", written.deprivation, "Demo indices of deprivation (File 7 layout)"),
            ("connectivity", written.connectivity, "Demo fixed broadband coverage (Ofcom layout)"),
        )
    ]


DEMO_LOCAL_AUTHORITY = "Sheffield"  # the engine needs a real council; the borough has none


def link_and_find_gaps(session: Session, *, screen: bool = True) -> tuple[object, object, object]:
    """Link the imported lists into residents, estimate what each household could claim
    (entitlement screening, unless `screen` is off), then run the default gap rules."""
    from safetynet.gaps import service as gaps
    from safetynet.link.runs import run_linkage

    run = run_linkage(session, area=DEMO_AREA_SLUG, actor=ACTOR)
    gaps.rank_after_link_run(session, run.tenant_id, ACTOR)
    if screen:
        from safetynet.entitlements import screening

        setup = screening.assumptions(
            year=2025, local_authority=DEMO_LOCAL_AUTHORITY, brma=None, council_tax=1_800.0
        )
        screening.screen(session, area=DEMO_AREA_SLUG, actor=ACTOR, setup=setup)
    reader = gaps.reader_for(session, DEMO_AREA_SLUG, ACTOR)
    book = gaps.rulebook(session=session, tenant_id=reader.tenant.id)
    result = gaps.find_gaps(session, reader, book, as_of=date.today(), purpose="demo gap summary")
    return run, result, book


def draft_plan(session: Session) -> object:
    """Draft the borough's first delivery plan from its gaps and place profiles."""
    from safetynet.gaps import service as gaps
    from safetynet.plans import service as plans

    reader = gaps.reader_for(session, DEMO_AREA_SLUG, ACTOR)
    drafting = plans.Drafting(title=plans.default_title(date.today()), starts=date.today())
    return plans.draft(
        session,
        reader,
        gaps.rulebook(session=session, tenant_id=reader.tenant.id),
        drafting,
        actor=ACTOR,
    )


def record_snapshots(session: Session, months: int = 3) -> list[int]:
    """Gap snapshots at the end of each of the last `months` months and today, so the
    decision dashboard shows missing-out over time from the start."""
    from dateutil.relativedelta import relativedelta

    from safetynet.dashboard import service as dashboard
    from safetynet.gaps import service as gaps

    today = date.today()
    first = today.replace(day=1)
    days = [
        first - relativedelta(months=n) - relativedelta(days=1) for n in range(months - 1, -1, -1)
    ]
    reader = gaps.reader_for(session, DEMO_AREA_SLUG, ACTOR)
    book = gaps.rulebook(session=session, tenant_id=reader.tenant.id)
    return [
        dashboard.record_snapshot(session, reader, book, as_of=day, actor=ACTOR)
        for day in [*days, today]
    ]


def organisation_names(session: Session) -> dict[str, str]:
    """Short name -> name, for the summary."""
    return dict(session.execute(select(Organisation.slug, Organisation.name)).all())


def build_directory(session: Session, *, seed: int, counsellors: int = 20_000) -> object:
    """The borough's service directory: a few hundred services, the counsellors and some job
    vacancies (synthetic, seeded), written in bulk into the demo area."""
    from safetynet.directory import service as directory
    from safetynet.directory import synthetic

    tenant = session.scalar(select(Tenant).where(Tenant.slug == DEMO_AREA_SLUG))
    assert tenant is not None, "the demo area is made first"
    size = synthetic.Size(services=300, counsellors=counsellors, vacancies=200)
    feed = synthetic.directory(seed=seed, area=DEMO_AREA, size=size)
    return directory.write_made_here(session, tenant.id, feed, actor=ACTOR)


NEIGHBOUR = "Demo Neighbour District"  # the council the demo's pack comes from
NEIGHBOUR_RULE = "foodbank-no-ctr"


def neighbours_pack(session: Session) -> object:
    """Apply in the demo borough a pack as a neighbouring council would send it: the
    borough's own export with one gap rule tuned (food bank use over the last year, not six
    months) and its checksums redone, so `/configuration` shows an area-specific rule that
    differs from the default, and the gaps, dashboard and plan count with it."""
    import json

    from safetynet.packs import service as packs
    from safetynet.packs.schemas import checksum
    from safetynet.places import service as places

    tenant = places.council_area(session, DEMO_AREA_SLUG)
    pack = packs.build_pack(session, tenant.id)
    rule = pack["sections"]["gap_rules"][NEIGHBOUR_RULE]
    rule["title"] = "Used a food bank in the last 12 months, household not on Council Tax Reduction"
    rule["when"][0]["within_days"] = 365
    pack["manifest"]["source_council"] = NEIGHBOUR
    pack["manifest"]["parts"]["gap_rules"]["sha256"] = checksum(pack["sections"]["gap_rules"])
    data = json.dumps(pack, indent=2).encode()
    return packs.apply_pack(session, tenant.id, data, actor=ACTOR, name="neighbour-pack.json")
