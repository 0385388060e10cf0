"""foxlike's benchmarks: side-by-side measurements against plain Captum and peers (not tests)."""
