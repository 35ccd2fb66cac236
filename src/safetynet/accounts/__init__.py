"""Organisations, users, roles and data-sharing agreements."""
