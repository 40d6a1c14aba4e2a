"""ebmcore test plugin ``good`` (see tests/plugin_dists/README.md)."""
