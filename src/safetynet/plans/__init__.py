"""Delivery plans under seven headings, drafted from the gap and place data, measured from it."""
