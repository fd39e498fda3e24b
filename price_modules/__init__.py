"""Price module versions: Rust sources, built wasm32 artifacts and their manifests.

Everything else in the rig reaches the modules through :mod:`price_modules.catalogue`
so that no caller hard-codes a file path.
"""

from price_modules.catalogue import (
    CatalogueError,
    GoldenCase,
    Manifest,
    manifest,
    module_dir,
    versions,
    wasm_bytes,
    wasm_path,
)

__all__ = [
    "CatalogueError",
    "GoldenCase",
    "Manifest",
    "manifest",
    "module_dir",
    "versions",
    "wasm_bytes",
    "wasm_path",
]
