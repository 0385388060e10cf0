"""What ``foxlike explain`` and ``foxlike demo`` exit with (docs/cli.md).

A crash must never read as 1 (Python's own code for an uncaught exception),
which means "report written, but something failed".
"""
EXIT_OK, EXIT_CHECKS_FAILED, EXIT_ERROR, EXIT_CRASHED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
