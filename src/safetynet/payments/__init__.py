"""Payments: community safety-net schemes paid through partner organisations."""
