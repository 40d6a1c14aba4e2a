"""ebmcore test plugin ``malformed`` (see tests/plugin_dists/README.md)."""
