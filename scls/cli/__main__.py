"""`python -m scls.cli`, the same as the `scls` script."""

from scls.cli import main

main()
