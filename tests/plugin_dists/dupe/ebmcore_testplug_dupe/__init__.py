"""ebmcore test plugin ``dupe`` (see tests/plugin_dists/README.md)."""
