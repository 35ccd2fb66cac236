"""Gaps: programmes, gap rules (who is missing), outreach lists and take-up."""
