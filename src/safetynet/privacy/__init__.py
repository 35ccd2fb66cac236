"""Privacy operations: retention and subject access (UK GDPR)."""
