"""The library behind the `blocklet` command: no printing, no exiting, typed errors only."""
