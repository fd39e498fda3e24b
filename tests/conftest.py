"""Test-wide plugins: pytester runs the HIL plugin in sub-sessions (tests/test_hil_plugin.py)."""

pytest_plugins = ["pytester"]
