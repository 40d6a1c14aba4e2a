"""ebmcore test plugin ``hook_raises`` (see tests/plugin_dists/README.md)."""
