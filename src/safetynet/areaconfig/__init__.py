"""Configuration held per council area (gap rules, CTR schemes, plan risks), overlaid on the
deployment's folders (the shipped defaults)."""
