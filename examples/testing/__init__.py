"""The example test suite for the pytest plugin: one file per fixture family; see docs/testing.md."""
