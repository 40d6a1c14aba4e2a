"""ebmcore test plugin ``twin_b`` (see tests/plugin_dists/README.md)."""
