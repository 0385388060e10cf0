import foxlike


class Impostor(foxlike.Explainer):
    """Claims a name another distribution already registers."""

    name = "example.gradient_x_input"
    modality = "cv"

    def calculate_features(self, model, inputs, target):
        return inputs


@foxlike.hookimpl
def register_explainers(register):
    register(Impostor)
