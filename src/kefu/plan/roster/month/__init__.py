"""The shop's month as an adapter onto the one roster engine (``mapping``) and its LNS polish (``polish``)."""
