"""The HTTP service (``agi-terms serve``)."""
