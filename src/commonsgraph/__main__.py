"""`python -m commonsgraph` is the `commonsgraph` command."""

from commonsgraph.cli import main

main()
