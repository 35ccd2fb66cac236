"""The service directory (Open Referral UK 3.0): organisations, services, locations, taxonomies
and terms, attributes, schedules, costs and languages, per council area

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 11:58:36.325471
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("address_1", sa.String(length=300), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_locations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_locations")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_locations_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_locations_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_organisations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_organisations")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_organisations_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_organisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_organisations_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_taxonomies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("uri", sa.String(length=500), nullable=True),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_taxonomies_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_taxonomies")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_taxonomies_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_taxonomies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_taxonomies_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("minimum_age", sa.Integer(), nullable=True),
        sa.Column("maximum_age", sa.Integer(), nullable=True),
        sa.Column("assured_date", sa.Date(), nullable=True),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("formats", sa.String(length=64), nullable=False),
        sa.Column("gender", sa.String(length=32), nullable=True),
        sa.Column("sector", sa.String(length=64), nullable=True),
        sa.Column("residency", sa.String(length=32), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("available", sa.Integer(), nullable=True),
        sa.Column("hours_per_week", sa.Integer(), nullable=True),
        sa.Column("pay_pence_per_hour", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["directory_organisations.id"],
            name=op.f("fk_directory_services_organisation_id_directory_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_services_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_services")),
        sa.UniqueConstraint("tenant_id", "oruk_id", name="uq_directory_services_tenant_id_oruk_id"),
    )
    with op.batch_alter_table("directory_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_services_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_directory_services_tenant_id_kind", ["tenant_id", "kind"], unique=False
        )

    op.create_table(
        "directory_taxonomy_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("taxonomy_id", sa.Integer(), nullable=True),
        sa.Column("taxonomy", sa.String(length=300), nullable=False),
        sa.Column("term", sa.String(length=300), nullable=False),
        sa.Column("parent_oruk_id", sa.String(length=36), nullable=True),
        sa.Column("term_uri", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["taxonomy_id"],
            ["directory_taxonomies.id"],
            name=op.f("fk_directory_taxonomy_terms_taxonomy_id_directory_taxonomies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_directory_taxonomy_terms_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_taxonomy_terms")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_taxonomy_terms_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_taxonomy_terms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_taxonomy_terms_taxonomy_id"), ["taxonomy_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_taxonomy_terms_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_attributes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("link_type", sa.String(length=64), nullable=True),
        sa.Column("value", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_services.id"],
            name=op.f("fk_directory_attributes_service_id_directory_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_attributes_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["directory_taxonomy_terms.id"],
            name=op.f("fk_directory_attributes_term_id_directory_taxonomy_terms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_attributes")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_attributes_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_attributes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_attributes_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_attributes_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_attributes_term_id"), ["term_id"], unique=False
        )

    op.create_table(
        "directory_cost_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("option", sa.String(length=300), nullable=True),
        sa.Column("amount_pence", sa.Integer(), nullable=True),
        sa.Column("amount_description", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_services.id"],
            name=op.f("fk_directory_cost_options_service_id_directory_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_cost_options_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_cost_options")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_cost_options_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_cost_options", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_cost_options_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_cost_options_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_languages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_services.id"],
            name=op.f("fk_directory_languages_service_id_directory_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_languages_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_languages")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_languages_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_languages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_languages_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_languages_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("freq", sa.String(length=16), nullable=True),
        sa.Column("interval", sa.Integer(), nullable=True),
        sa.Column("byday", sa.String(length=64), nullable=True),
        sa.Column("opens_at", sa.String(length=16), nullable=True),
        sa.Column("closes_at", sa.String(length=16), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_services.id"],
            name=op.f("fk_directory_schedules_service_id_directory_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_schedules_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_schedules")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_schedules_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_schedules_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_schedules_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_service_at_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["directory_locations.id"],
            name=op.f("fk_directory_service_at_locations_location_id_directory_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_services.id"],
            name=op.f("fk_directory_service_at_locations_service_id_directory_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_directory_service_at_locations_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_service_at_locations")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_service_at_locations_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_service_at_locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_service_at_locations_location_id"),
            ["location_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_directory_service_at_locations_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_service_at_locations_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("directory_service_at_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_service_at_locations_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_service_at_locations_service_id"))
        batch_op.drop_index(batch_op.f("ix_directory_service_at_locations_location_id"))

    op.drop_table("directory_service_at_locations")
    with op.batch_alter_table("directory_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_schedules_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_schedules_service_id"))

    op.drop_table("directory_schedules")
    with op.batch_alter_table("directory_languages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_languages_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_languages_service_id"))

    op.drop_table("directory_languages")
    with op.batch_alter_table("directory_cost_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_cost_options_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_cost_options_service_id"))

    op.drop_table("directory_cost_options")
    with op.batch_alter_table("directory_attributes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_attributes_term_id"))
        batch_op.drop_index(batch_op.f("ix_directory_attributes_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_attributes_service_id"))

    op.drop_table("directory_attributes")
    with op.batch_alter_table("directory_taxonomy_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_taxonomy_terms_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_taxonomy_terms_taxonomy_id"))

    op.drop_table("directory_taxonomy_terms")
    with op.batch_alter_table("directory_services", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_services_tenant_id_kind")
        batch_op.drop_index(batch_op.f("ix_directory_services_organisation_id"))

    op.drop_table("directory_services")
    with op.batch_alter_table("directory_taxonomies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_taxonomies_tenant_id"))

    op.drop_table("directory_taxonomies")
    with op.batch_alter_table("directory_organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_organisations_tenant_id"))

    op.drop_table("directory_organisations")
    with op.batch_alter_table("directory_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_locations_tenant_id"))

    op.drop_table("directory_locations")
