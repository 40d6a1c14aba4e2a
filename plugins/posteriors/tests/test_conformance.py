EBMCORE_PLUGIN = "posteriors"  # run the ebmcore conformance kit on every energy of this plugin


def test_conformance(ebmcore_case):
    ebmcore_case.run()
