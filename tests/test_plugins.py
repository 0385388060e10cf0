"""Discovery through entry points, blocking, failure isolation and conflicts."""
import re
import subprocess
import sys
import warnings

import pytest
import torch

import foxlike


def run_cli(*args, env_extra=None, pythonpath=None):
    import os

    env = dict(os.environ)
    env.pop("FOXLIKE_PLUGINS", None)
    env.pop("FOXLIKE_DISABLE_PLUGINS", None)
    env.update(env_extra or {})
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run([sys.executable, "-m", "foxlike.cli", *args], capture_output=True, text=True, env=env)


def test_built_in_plugins_are_found_through_entry_points(fresh_plugins):
    loaded = {p.name: p for p in fresh_plugins.plugins()}
    assert loaded["cv"].distribution == "foxlike"
    assert loaded["cv"].status == "loaded"
    assert "cv.integrated_gradients" in loaded["cv"].contributes["explainers"]


def test_importing_foxlike_imports_no_plugin_torch_or_captum():
    code = "import sys, foxlike; print(sorted(m for m in ('torch', 'captum', 'torchvision', 'foxlike_cv') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_listing_explainers_does_not_import_captum():
    code = "import sys; from foxlike.cli import main; main(['explainers']); print('captum' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().endswith("False")
    assert "cv.integrated_gradients" in result.stdout


def test_third_party_plugin_is_listed_by_the_command(use_packages):
    pythonpath = use_packages("foxlike-example-plugin")
    listing = run_cli("plugins", pythonpath=pythonpath)
    assert listing.returncode == 0, listing.stderr
    assert "example" in listing.stdout and "foxlike-example-plugin 1.2.3" in listing.stdout
    assert "example.gradient_x_input" in listing.stdout
    assert "example.second_best" in listing.stdout
    explainers = run_cli("explainers", pythonpath=pythonpath)
    assert re.search(r"^example.gradient_x_input +Gradient of the target score times the input", explainers.stdout,
                     re.MULTILINE)


def test_blocking_variable_hides_the_third_party_plugin(use_packages):
    pythonpath = use_packages("foxlike-example-plugin")
    blocked = run_cli("explainers", env_extra={"FOXLIKE_DISABLE_PLUGINS": "example"}, pythonpath=pythonpath)
    assert "example.gradient_x_input" not in blocked.stdout
    assert "cv.integrated_gradients" in blocked.stdout
    listing = run_cli("plugins", env_extra={"FOXLIKE_DISABLE_PLUGINS": "foxlike-example-plugin"},
                      pythonpath=pythonpath)
    assert "[blocked]" in listing.stdout


def test_blocked_plugin_is_never_imported(use_packages, monkeypatch):
    use_packages("foxlike-example-plugin")
    monkeypatch.setenv("FOXLIKE_DISABLE_PLUGINS", "example")
    sys.modules.pop("foxlike_example_plugin", None)
    from foxlike import plugins

    assert "example.gradient_x_input" not in plugins.registry().explainers
    assert "foxlike_example_plugin" not in sys.modules


def test_only_variable_loads_just_the_named_plugins(use_packages, monkeypatch):
    use_packages("foxlike-example-plugin")
    monkeypatch.setenv("FOXLIKE_PLUGINS", "example")
    from foxlike import plugins

    names = set(plugins.registry().explainers)
    assert names == {"example.gradient_x_input"}
    statuses = {p.name: p.status for p in plugins.plugins()}
    assert statuses["cv"] == "blocked" and statuses["example"] == "loaded"


def test_third_party_explainer_and_target_work_in_the_context_manager(use_packages):
    use_packages("foxlike-example-plugin")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 4))
    images = torch.randn(3, 3, 2, 2)
    with foxlike.explain(model, {"example.gradient_x_input": {"scale": 2.0}},
                         target="example.second_best") as xai_model:
        output, explanations = xai_model(images)
    second = output.topk(2, dim=1).indices[:, 1]
    result = explanations["example.gradient_x_input"]
    assert torch.equal(result.target, second)
    # For a linear model, gradient x input is the weight row times the input.
    expected = 2.0 * model[1].weight[second].reshape(3, 3, 2, 2) * images
    torch.testing.assert_close(result.attributions, expected)
    assert result.parameters == {"scale": 2.0}


def test_broken_plugins_are_reported_and_the_rest_still_load(use_packages):
    use_packages("foxlike-broken-plugin", "foxlike-example-plugin")
    from foxlike import plugins

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        records = {p.name: p for p in plugins.plugins()}
    assert records["fails_to_import"].status == "failed"
    assert "a_module_that_does_not_exist" in records["fails_to_import"].error
    assert records["raises_in_hook"].status == "failed"
    assert "broken on purpose" in records["raises_in_hook"].error
    assert {"cv.integrated_gradients", "example.gradient_x_input"} <= set(plugins.registry().explainers)
    messages = " ".join(str(w.message) for w in caught)
    assert "fails_to_import" in messages and "raises_in_hook" in messages


def test_broken_plugin_is_shown_by_the_command(use_packages):
    pythonpath = use_packages("foxlike-broken-plugin")
    listing = run_cli("plugins", pythonpath=pythonpath)
    assert listing.returncode == 0
    assert "[failed: ModuleNotFoundError" in listing.stdout


def test_two_plugins_registering_one_name_is_an_error_naming_both_distributions(use_packages):
    use_packages("foxlike-example-plugin", "foxlike-conflicting-plugin")
    from foxlike import plugins

    with pytest.raises(foxlike.PluginConflictError) as error:
        plugins.registry()
    message = str(error.value)
    assert "foxlike-example-plugin" in message and "foxlike-conflicting-plugin" in message
    assert "example.gradient_x_input" in message


def test_the_plugins_command_still_lists_everything_when_two_plugins_conflict(use_packages):
    pythonpath = use_packages("foxlike-example-plugin", "foxlike-conflicting-plugin")
    listing = run_cli("plugins", pythonpath=pythonpath)
    assert listing.returncode == 1, listing.stderr
    assert "foxlike-example-plugin 1.2.3" in listing.stdout and "foxlike-conflicting-plugin" in listing.stdout
    assert re.search(r"^cv +foxlike ", listing.stdout, re.MULTILINE)
    assert "Conflict: Two plugins register the explainer 'example.gradient_x_input'" in listing.stdout


def test_unknown_explainer_name_suggests_the_nearest(fresh_plugins):
    model = torch.nn.Linear(3, 2)
    with pytest.raises(foxlike.UnknownNameError, match="Did you mean 'cv.integrated_gradients'"):
        foxlike.explain(model, ["cv.integrated_gradient"])


def test_plugin_registered_in_process_is_used_and_removed(fresh_plugins):
    class Ones(foxlike.Explainer):
        """Constant attributions, for the registration test."""

        name = "test.ones"

        def calculate_features(self, model, inputs, target):
            return torch.ones_like(inputs)

    class Plugin:
        @foxlike.hookimpl
        def register_explainers(self, register):
            register(Ones)

    fresh_plugins.register(Plugin(), name="test-plugin")
    assert "test.ones" in fresh_plugins.registry().explainers
    fresh_plugins.unregister("test-plugin")
    assert "test.ones" not in fresh_plugins.registry().explainers


def test_explainers_can_be_listed_by_modality():
    cv = run_cli("explainers", "--modality", "cv")
    nlp = run_cli("explainers", "--modality", "nlp")
    assert cv.returncode == 0 and nlp.returncode == 0, cv.stderr + nlp.stderr
    assert "cv.integrated_gradients" in cv.stdout and "nlp." not in cv.stdout
    assert "nlp.integrated_gradients" in nlp.stdout and "cv." not in nlp.stdout
    nothing = run_cli("explainers", "--modality", "audio")
    assert nothing.returncode == 1 and "modalities are: cv, nlp, tabular" in nothing.stdout


def test_every_registered_explainer_names_a_known_modality(fresh_plugins):
    from foxlike.modalities import MODALITIES

    for name, entry in fresh_plugins.registry().explainers.items():
        assert entry.obj.modality in MODALITIES, name
        if entry.distribution == "foxlike":  # the built-in plugins' namespace is their modality
            assert name.partition(".")[0] == entry.obj.modality, name


def test_the_licence_comes_from_the_distributions_metadata_or_its_classifiers():
    from importlib.metadata import distribution

    from foxlike.plugins import licence_of

    assert licence_of(distribution("foxlike")) == "Apache-2.0"
    assert licence_of(distribution("grad-cam")) == "MIT License"  # stated only as a classifier
    listing = run_cli("plugins")
    assert re.search(r"^cv +foxlike \S+ \(Apache-2\.0\)$", listing.stdout, re.MULTILINE)
