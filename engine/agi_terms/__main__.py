"""``python -m agi_terms`` runs the ``agi-terms`` command line."""

from agi_terms.interfaces.cli import main

main()
