"""Migration chains: the frozen platform branch and the services that depend on it."""
