"""`python -m safetynet`: the same command line as `safetynet`."""

from safetynet.cli import main

main()
