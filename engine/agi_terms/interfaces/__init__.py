"""The doors: the command line and the HTTP service. Nothing in the core imports them."""
