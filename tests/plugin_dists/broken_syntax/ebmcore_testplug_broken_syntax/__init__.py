"""ebmcore test plugin ``broken_syntax`` (see tests/plugin_dists/README.md)."""
