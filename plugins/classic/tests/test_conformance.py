"""The ebmcore conformance kit on every energy of this plugin."""

EBMCORE_PLUGIN = "classic"


def test_conformance(ebmcore_case):
    ebmcore_case.run()
