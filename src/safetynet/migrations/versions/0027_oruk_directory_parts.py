"""The directory's further ORUK parts: contacts and phones (of services, organisations,
locations and contacts; no contact names), service areas with their GeoJSON bounding boxes,
funding, the accessibility of locations and organisations' identifiers

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 00:07:09.245807
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "directory_accessibility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["directory_locations.id"],
            name=op.f("fk_directory_accessibility_location_id_directory_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_accessibility_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_accessibility")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_accessibility_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_accessibility", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_accessibility_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_accessibility_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_organisation_identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("identifier_scheme", sa.String(length=64), nullable=True),
        sa.Column("identifier_type", sa.String(length=100), nullable=False),
        sa.Column("identifier", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["directory_organisations.id"],
            name=op.f(
                "fk_directory_organisation_identifiers_organisation_id_directory_organisations"
            ),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_directory_organisation_identifiers_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_organisation_identifiers")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_organisation_identifiers_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_organisation_identifiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_organisation_identifiers_organisation_id"),
            ["organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_directory_organisation_identifiers_tenant_id"),
            ["tenant_id"],
            unique=False,
        )

    op.create_table(
        "directory_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("department", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["directory_locations.id"],
            name=op.f("fk_directory_contacts_location_id_directory_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["directory_organisations.id"],
            name=op.f("fk_directory_contacts_organisation_id_directory_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_services.id"],
            name=op.f("fk_directory_contacts_service_id_directory_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_contacts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_contacts")),
        sa.UniqueConstraint("tenant_id", "oruk_id", name="uq_directory_contacts_tenant_id_oruk_id"),
    )
    with op.batch_alter_table("directory_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_contacts_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_contacts_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_contacts_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_contacts_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_funding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_services.id"],
            name=op.f("fk_directory_funding_service_id_directory_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_funding_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_funding")),
        sa.UniqueConstraint("tenant_id", "oruk_id", name="uq_directory_funding_tenant_id_oruk_id"),
    )
    with op.batch_alter_table("directory_funding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_funding_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_funding_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_service_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("extent", sa.Text(), nullable=True),
        sa.Column("extent_type", sa.String(length=16), nullable=True),
        sa.Column("uri", sa.String(length=500), nullable=True),
        sa.Column("south", sa.Float(), nullable=True),
        sa.Column("north", sa.Float(), nullable=True),
        sa.Column("west", sa.Float(), nullable=True),
        sa.Column("east", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_services.id"],
            name=op.f("fk_directory_service_areas_service_id_directory_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_service_areas_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_service_areas")),
        sa.UniqueConstraint(
            "tenant_id", "oruk_id", name="uq_directory_service_areas_tenant_id_oruk_id"
        ),
    )
    with op.batch_alter_table("directory_service_areas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_service_areas_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_service_areas_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "directory_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("oruk_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["directory_contacts.id"],
            name=op.f("fk_directory_phones_contact_id_directory_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["directory_locations.id"],
            name=op.f("fk_directory_phones_location_id_directory_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["directory_organisations.id"],
            name=op.f("fk_directory_phones_organisation_id_directory_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_services.id"],
            name=op.f("fk_directory_phones_service_id_directory_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_directory_phones_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_phones")),
        sa.UniqueConstraint("tenant_id", "oruk_id", name="uq_directory_phones_tenant_id_oruk_id"),
    )
    with op.batch_alter_table("directory_phones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_phones_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_phones_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_phones_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_phones_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_phones_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("directory_phones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_phones_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_phones_service_id"))
        batch_op.drop_index(batch_op.f("ix_directory_phones_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_directory_phones_location_id"))
        batch_op.drop_index(batch_op.f("ix_directory_phones_contact_id"))

    op.drop_table("directory_phones")
    with op.batch_alter_table("directory_service_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_service_areas_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_service_areas_service_id"))

    op.drop_table("directory_service_areas")
    with op.batch_alter_table("directory_funding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_funding_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_funding_service_id"))

    op.drop_table("directory_funding")
    with op.batch_alter_table("directory_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_contacts_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_contacts_service_id"))
        batch_op.drop_index(batch_op.f("ix_directory_contacts_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_directory_contacts_location_id"))

    op.drop_table("directory_contacts")
    with op.batch_alter_table("directory_organisation_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_organisation_identifiers_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_organisation_identifiers_organisation_id"))

    op.drop_table("directory_organisation_identifiers")
    with op.batch_alter_table("directory_accessibility", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_accessibility_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_directory_accessibility_location_id"))

    op.drop_table("directory_accessibility")
