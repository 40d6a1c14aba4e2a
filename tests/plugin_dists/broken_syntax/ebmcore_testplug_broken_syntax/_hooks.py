"""Hook module with a syntax error."""

from ebmcore.plugin import hookimpl


@hookimpl
def ebmcore_energies(:
    return []
