"""Settings: the one place configuration comes from (environment, prefix SAFETYNET_, or .env)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-change-me"


class Settings(BaseSettings):
    """Every setting the product reads. Each field's description is its documentation."""

    model_config = SettingsConfigDict(env_prefix="SAFETYNET_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development",
        description="Where this runs. In `production` the app refuses to start with the "
        "default secret key.",
    )
    data_dir: Path = Field(
        Path("data"),
        description="Folder for the embedded SQLite database, uploaded files, demo data and "
        "job queue. Created when needed.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store, e.g. "
        "`postgresql+psycopg://user@host:5432/db`. Default: a SQLite file "
        "`safetynet.db` in the data folder.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis URL for the job queue and web sessions in production (e.g. "
        "`redis://127.0.0.1:6379/0`). Unset: an embedded SQLite queue in the data folder, and "
        "sessions in the store.",
    )
    secret_key: str = Field(
        DEV_SECRET,
        description="Secret used to sign session cookies and tokens. Must be set (long and "
        "random) in production.",
    )
    import_batch_rows: int = Field(
        100_000,
        ge=1_000,
        description="Rows read, standardised and stored per batch during an import. Bounds "
        "memory whatever the file size.",
    )
    import_max_issues_shown: int = Field(
        20,
        ge=1,
        description="How many row problems the CLI prints before summarising the rest "
        "(all of them are kept in the import report).",
    )
    import_max_bytes: int = Field(
        2_000_000_000,
        description="Largest partner file accepted for import, in bytes.",
    )
    session_idle_minutes: int = Field(
        30,
        ge=1,
        description="A web session ends after this many minutes without a request.",
    )
    session_absolute_hours: int = Field(
        12,
        ge=1,
        description="A web session ends this many hours after sign-in, however busy.",
    )
    form_keep_minutes: int = Field(
        30,
        ge=0,
        le=240,
        description="When a form is sent after the session ended, what was typed is kept "
        "(server-side, for the same user's next sign-in only) for this many minutes; 0 keeps "
        "nothing.",
    )
    form_keep_max_bytes: int = Field(
        32_000,
        ge=1_000,
        le=1_000_000,
        description="Largest form, in bytes of field names and values, kept when the session "
        "ended; bigger ones are not kept.",
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        description="Failed sign-ins allowed for one account before each further try waits "
        "longer (doubling, up to 15 minutes); one IP address is allowed four times as many.",
    )
    web_requests_in_flight: int = Field(
        4,
        ge=1,
        le=64,
        description="Requests each web server process works on at once; the rest wait their "
        "turn in order. Python runs one thread at a time, so a few at once serve more pages "
        "per second, with steadier times, than many (see docs/benchmarks.md). Raise it when "
        "pages spend most of their time waiting on a store on another machine.",
    )
    upload_max_bytes: int = Field(
        200_000_000,
        ge=1,
        description="Largest file the web page or API accepts for import, in bytes (larger "
        "files can be imported with the CLI, up to `SAFETYNET_IMPORT_MAX_BYTES`).",
    )
    xlsx_max_unpacked_bytes: int = Field(
        1_000_000_000,
        ge=1_000,
        description="Most bytes an .xlsx workbook may unpack to (all its parts together); "
        "bigger ones are refused before they are read, as zip bombs are.",
    )
    xlsx_max_members: int = Field(
        1_000,
        ge=10,
        description="Most parts (files inside the zip) an .xlsx workbook may hold.",
    )
    xlsx_max_shared_strings_bytes: int = Field(
        200_000_000,
        ge=1_000,
        description="Most bytes an .xlsx workbook's shared strings part may unpack to (it is "
        "held in memory while the workbook is read).",
    )
    xlsx_max_cell_chars: int = Field(
        32_767,
        ge=100,
        description="Longest value, in characters, of one cell of an imported workbook "
        "(Excel's own limit by default).",
    )
    request_max_bytes: int = Field(
        2_000_000,
        ge=10_000,
        description="Largest request body accepted, in bytes, counted as it arrives (chunked "
        "bodies too); only a signed-in user's upload may be bigger, up to "
        "`SAFETYNET_UPLOAD_MAX_BYTES`. Bigger requests get a 413.",
    )
    api_token_days: int = Field(
        90,
        ge=1,
        le=3_650,
        description="An API token stops working this many days after it was created.",
    )
    hsts_seconds: int = Field(
        31_536_000,
        ge=0,
        description="When the service is reached over HTTPS, browsers are told to use only "
        "HTTPS for this many seconds (Strict-Transport-Security); 0 sends no such header.",
    )
    trusted_proxies: str = Field(
        "127.0.0.1",
        description="Comma-separated addresses or networks of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto headers `safetynet serve` believes (the client's "
        "address is used for sign-in throttling and rate limits); empty: believe none, `*`: "
        "any (only behind a proxy that overwrites the headers).",
    )
    import_background_bytes: int = Field(
        10_000_000,
        ge=0,
        description="Uploads bigger than this many bytes are imported in the background by the "
        "worker (the page follows the job); smaller ones while you wait.",
    )
    triage_form_max_bytes: int = Field(
        2_000_000,
        ge=1_000,
        description="Largest triage form (XLSForm .xlsx, .md or .csv) that may be uploaded, "
        "in bytes.",
    )
    triage_isolation_age: int = Field(
        75,
        ge=50,
        le=110,
        description="Residents this age or older who are the only resident at their address "
        "(across the linked sources) are on the isolation-risk list.",
    )
    link_backend: Literal["duckdb", "spark"] = Field(
        "duckdb",
        description="Engine Splink runs on for linkage: `duckdb` on one machine, `spark` for "
        "tens of millions of records.",
    )
    ctr_schemes_dir: Path | None = Field(
        None,
        description="Folder of the councils' own Council Tax Reduction schemes (YAML), used "
        "where the entitlement engine models none for a local authority.",
    )
    screening_local_authority: str | None = Field(
        None,
        description="Local authority (as the engine names it, e.g. `Sheffield`) that batch "
        "screening places residents in when the area has one council.",
    )
    screening_workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Processes batch screening calculates in (each holds the engine, ~0.5 GB).",
    )
    screening_brma: str | None = Field(
        None,
        description="Broad Rental Market Area for private renters in batch screening, when the "
        "local authority is not itself one.",
    )
    link_memory_limit: str = Field(
        "2GB",
        description="Most memory DuckDB may use for a link run (e.g. `2GB`, `8GB`); beyond it "
        "it spills to `<data dir>/duckdb-spill`. The whole run peaks at about twice this.",
    )
    link_spark_master: str = Field(
        "local[2]",
        description="Where the Spark backend runs: `local[N]` inside the process on N cores, "
        "or a cluster's master URL (`spark://host:7077`, `yarn`, `k8s://https://…`).",
    )
    link_spark_conf: dict[str, str] = Field(
        default_factory=dict,
        description="Extra Spark configuration for the Spark backend, as JSON (e.g. "
        '`{"spark.executor.memory": "8g"}`); overrides the small local defaults.',
    )

    self_check_idle_minutes: int = Field(
        30,
        ge=1,
        le=240,
        description="A resident's self-check answers are deleted after this many minutes "
        "without a request.",
    )
    self_check_requests_per_minute: int = Field(
        60,
        ge=1,
        description="Self-check forms one IP address may send a minute (the public pages are "
        "rate-limited); more get a 429 page.",
    )
    callback_retention_days: int = Field(
        365,
        ge=1,
        le=3_650,
        description="A call-back (a self-check a resident shared) closed this many days ago is "
        "deleted by the retention run, with its history.",
    )
    self_check_area: str | None = Field(
        None,
        description="Council area (tenant slug) that receives self-checks residents choose to "
        "share. Unset: the store's only council area; with several, sharing is not offered.",
    )
    self_check_councils: list[str] = Field(
        default_factory=list,
        description="Councils whose residents this self-check serves, as JSON, by the names "
        'the engine knows (e.g. `["Sheffield"]`); `"Rotherham=rotherham"` sends that '
        "council's call-backs to another council area (tenant slug) than "
        "`SAFETYNET_SELF_CHECK_AREA`. A resident of any other council is told the service "
        "covers only these and is not offered a call-back. Empty: "
        "`SAFETYNET_SCREENING_LOCAL_AUTHORITY`, else no call-backs.",
    )
    self_check_council_name: str | None = Field(
        None,
        description="The council running the self-check, as residents know it (e.g. "
        "`Sheffield City Council`): named on every resident page and in the privacy notice. "
        "Unset: the name of the council area receiving call-backs.",
    )
    self_check_contact: str | None = Field(
        None,
        description="How residents contact the council about the self-check (a phone number, "
        "email or web address), shown in the privacy notice and accessibility statement.",
    )
    self_check_privacy_contact: str | None = Field(
        None,
        description="How residents contact the council's data protection officer, shown in "
        "the self-check's privacy notice.",
    )
    self_check_year: int | None = Field(
        None,
        ge=2023,
        le=2029,
        description="Financial year whose benefit rates the self-check uses, and the web app "
        "warms the engine for (2026 = 2026 to 2027). Unset: the year today falls in (from "
        "1 April).",
    )

    gap_rules_dir: Path | None = Field(
        None,
        description="Folder of the council's own gap rule files (`*.yaml`), loaded after the "
        "default rules: they add programmes and rules or redefine them by id.",
    )
    plan_risks_dir: Path | None = Field(
        None,
        description="Folder of the council's own plan risk register files (`*.yaml`, lists of "
        "risks with a `key`), read after the standard register: a risk with a known key "
        "replaces it, a new key is added. Packs write here.",
    )
    plans_llm_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible endpoint (e.g. `http://127.0.0.1:8080/v1`) "
        "that drafts the summary of a delivery plan in prose. Unset (the default): summaries "
        "come from templates. Only the plan's figures by ward and programme are sent, never a "
        "resident.",
    )
    plans_llm_model: str = Field(
        "gpt-4o-mini", description="The model name sent to `SAFETYNET_PLANS_LLM_URL`."
    )
    plans_llm_key: str | None = Field(
        None, description="API key for `SAFETYNET_PLANS_LLM_URL` (sent as a bearer token)."
    )
    payments_provider_url: str | None = Field(
        None,
        description="Base URL of the voucher or cash-out provider that payment rounds send "
        "transfers to (e.g. the simulator, `http://127.0.0.1:8200`). Unset: rounds by provider "
        "are refused.",
    )
    payments_provider_secret: str = Field(
        DEV_SECRET,
        description="Secret shared with the provider: it signs its callbacks with it (HMAC "
        "SHA-256) and unsigned or wrongly signed callbacks are refused. Must be set in "
        "production when a provider is configured; without one, callbacks are refused.",
    )
    payments_callback_url: str | None = Field(
        None,
        description="This service's address for the provider's callbacks, ending "
        "`/api/v1/payments/provider-events`; sent with each submission.",
    )
    payments_provider_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=300,
        description="How long a round waits for the provider to answer a submission before "
        "treating it as unanswered; the round can be run again and resends the same references, "
        "which the provider recognises.",
    )
    payments_round_stale_seconds: int = Field(
        600,
        ge=10,
        description="A payment round whose process has not reported for this long (or whose "
        "process on this machine has died) may be taken over and finished by a new run.",
    )
    payments_round_inline_max: int = Field(
        1_000,
        ge=0,
        description="A payment round started from a page or the API with more payments due "
        "than this runs as a background job (the API answers 202 with the job's link); a "
        "smaller one runs while the caller waits.",
    )
    payments_bacs_originator: str = Field(
        "000000,00000000,SAFETY NET COUNCIL,000000",
        description="The council's own Bacs details for Standard 18 files, as `sort code,"
        "account number,account name,service user number`: the account the payments are "
        "drawn from (the contra record) and the council's Bacs service user number.",
    )
    match_ranker_min_outcomes: int = Field(
        200,
        ge=20,
        description="Matching learns its order from referral outcomes only once an area has at "
        "least this many (accepted, attended, declined or no-show); until then it ranks by the "
        "transparent weighted score.",
    )
    match_ranker_min_groups: int = Field(
        20,
        ge=2,
        description="...and at least this many sittings (one seeker's referrals made together) "
        "whose outcomes differ: a sitting whose referrals all ended the same way teaches a "
        "ranker nothing.",
    )
    match_ranker_margin: float = Field(
        0.01,
        ge=0,
        le=1,
        description="A trained ranker is used only if, on held-out sittings (five-fold "
        "cross-validation over whole sittings), its NDCG@10 beats the transparent score's by "
        "more than this; otherwise it is kept for the record and matching stays with the score.",
    )
    match_exposure_strength: float = Field(
        0.3,
        ge=0,
        le=1,
        description="How strongly allocating a waiting list (`safetynet match allocate`) lowers "
        "providers that have had more than their share of referrals, 0 (not at all) to 1. On "
        "the simulated borough 0.3 halves the exposure Gini for a 6% lower NDCG@10.",
    )
    oruk_requests_per_minute: int = Field(
        60,
        ge=1,
        le=6000,
        description="How many requests a directory import may make of another Open Referral "
        "UK API each minute (it waits between requests); be polite to other councils' feeds.",
    )
    oruk_timeout_seconds: float = Field(
        30.0,
        gt=0,
        le=300,
        description="How long a directory import waits for one answer from another Open "
        "Referral UK API before giving up (the import then saves nothing).",
    )

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError(
                "SAFETYNET_SECRET_KEY must be set to a long random value in production"
            )
        if (
            self.environment == "production"
            and self.payments_provider_secret == DEV_SECRET
            and (self.payments_provider_url or self.payments_callback_url)
        ):
            raise ValueError(
                "SAFETYNET_PAYMENTS_PROVIDER_SECRET must be set to the secret agreed with the "
                "payment provider in production"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The store's URL: the configured one, or the SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'safetynet.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
