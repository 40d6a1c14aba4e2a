"""ebmcore test plugin ``slow_import`` (see tests/plugin_dists/README.md)."""
