"""Registers the HIL plugin (hil/plugin.py) for every test under hil/."""

from hil.plugin import (
    abi_offer,
    golden_sale,
    hil_pool,
    hil_selection,
    hot_swap,
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_configure_node,
    pytest_generate_tests,
    sweep_sale,
)

__all__ = [
    "abi_offer",
    "golden_sale",
    "hil_pool",
    "hil_selection",
    "hot_swap",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_generate_tests",
    "sweep_sale",
]
