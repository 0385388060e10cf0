import a_module_that_does_not_exist  # noqa: F401 - the failure this plugin exists to show
