"""The demo: the reference city's data, the simulated month, and the report, all through the real HTTP APIs."""
