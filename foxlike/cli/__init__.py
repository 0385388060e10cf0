"""The ``foxlike`` command line: :func:`main` parses and maps outcomes to exit codes; one module per
concern (the explain command, configs, loading models, reading inputs)."""
from .exit_codes import EXIT_CHECKS_FAILED, EXIT_CRASHED, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from .main import main

__all__ = ["EXIT_CHECKS_FAILED", "EXIT_CRASHED", "EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "main"]
