"""foxlike's built-in text explainers."""
import foxlike

EXPLAINERS: tuple = ()


@foxlike.hookimpl
def register_explainers(register):
    for explainer in EXPLAINERS:
        register(explainer)
