"""``python -m agi_terms`` runs the ``agi-terms`` command line."""

from agi_terms.interfaces.main import main

main()
