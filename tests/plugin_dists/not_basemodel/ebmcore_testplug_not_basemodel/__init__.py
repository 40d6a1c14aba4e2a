"""ebmcore test plugin ``not_basemodel`` (see tests/plugin_dists/README.md)."""
