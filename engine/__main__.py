"""``python -m engine`` runs the ``agi-terms`` command line."""

from engine.cli import main

main()
