"""ebmcore test plugin ``twin_a`` (see tests/plugin_dists/README.md)."""
