"""Hook module with a syntax error."""

import ebmcore


@ebmcore.hookimpl
def ebmcore_energies(:
    return []
