"""Matching people to services, counsellors and local jobs, with reasons (issue 14)."""
