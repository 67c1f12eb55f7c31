"""``python -m edimap`` runs the command line."""

from edimap.cli import main

main()
