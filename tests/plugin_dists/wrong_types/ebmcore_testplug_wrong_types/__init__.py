"""ebmcore test plugin ``wrong_types`` (see tests/plugin_dists/README.md)."""
