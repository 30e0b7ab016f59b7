"""`python -m asynclint`: the command line."""

from asynclint.cli import main

main()
