"""The supported API for plugin authors (docs/plugin-authors.md says what each module promises).

Everything under ``foxlike.toolkit`` keeps its signature and meaning across
minor releases; everything else in foxlike that is not exported by
``import foxlike`` may change. The toolkit imports nothing of foxlike but
its errors, so any layer may use it.
"""
