"""ebmcore test plugin ``broken_import`` (see tests/plugin_dists/README.md)."""
