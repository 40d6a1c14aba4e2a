"""ebmcore test plugin ``missing_target`` (see tests/plugin_dists/README.md)."""
