"""The decision dashboard: the figures decision makers need, each linked to the list behind it."""
