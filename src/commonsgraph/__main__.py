"""`python -m commonsgraph` is the `commonsgraph` command."""

from commonsgraph.cli import main

if __name__ == "__main__":  # query workers start by re-importing the main module
    main()
