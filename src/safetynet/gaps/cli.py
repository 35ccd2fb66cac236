"""`safetynet gaps`: who is missing, outreach lists, contact status, take-up."""

from __future__ import annotations

import typer
from rich.console import Console

console = Console()
gaps_app = typer.Typer(no_args_is_help=True, help="Who is missing out, and reaching them.")
