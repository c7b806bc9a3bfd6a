"""`python -m dsagen` runs the command line."""

from .cli import main

main()
