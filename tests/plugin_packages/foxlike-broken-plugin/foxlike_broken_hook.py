import foxlike


@foxlike.hookimpl
def register_explainers(register):
    raise RuntimeError("this plugin's hook is broken on purpose")
