"""ebmcore test plugin ``imports_torch`` (see tests/plugin_dists/README.md)."""
