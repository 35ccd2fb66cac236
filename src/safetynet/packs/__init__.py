"""Configuration packs: one council's gap rules, Council Tax Reduction schemes and plan risk
register as one versioned, checksummed file that another council can inspect and apply.

A pack holds configuration only, never a resident: each section exports the whitelisted fields
of its pydantic schema and nothing else (see `sections.py`). Importing validates the whole
file, shows what would be added and changed field by field, and applies it all or nothing.
"""
