"""TOML configs: data only, round-trip, and errors that list what is valid."""
from __future__ import annotations

import pytest

from foxlike import ParameterError, UnknownNameError
from foxlike.cli.config import ConfigError, RunConfig, resolve_names, from_mapping, load_config, to_toml


def test_config_round_trips_through_toml(tmp_path):
    config = RunConfig(model="pkg.models:build", inputs=["a.png", "photos"], target=3, output="softmax",
                       explainers={"cv.integrated_gradients": {"n_steps": 20, "baselines": 0.5, "method": "riemann_left"}},
                       image_size=[224, 224], mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25], labels=['say "hi"', "b"],
                       quiet=True)
    path = tmp_path / "run.toml"
    path.write_text(to_toml(config))

    assert load_config(path) == config


def test_a_config_file_cannot_ask_for_an_unsafe_load(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('model = "shared_model.pt"\nunsafe_load = true\n')

    with pytest.raises(ConfigError, match="cannot ask for an unsafe load. Pass --unsafe-load on the command line"):
        load_config(path)
    assert "unsafe_load" not in to_toml(RunConfig(model="m.pt", unsafe_load=True))


def test_explainers_may_be_a_plain_list(tmp_path):
    assert from_mapping({"explainers": ["cv.integrated_gradients"]}).explainers == {"cv.integrated_gradients": {}}


def test_config_is_data_never_code(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('model = "__import__(\'os\').system(\'touch pwned\')"\ntarget = "argmax"\n')

    config = load_config(path)

    assert config.model == "__import__('os').system('touch pwned')"  # a string, nothing evaluated
    assert not (tmp_path / "pwned").exists()


def test_unknown_key_lists_the_valid_ones(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text("explainer = ['cv.integrated_gradients']\n")
    with pytest.raises(ConfigError, match=r"Unknown key\(s\) in config file .*: explainer\. Valid keys: model, inputs"):
        load_config(path)


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text("model = \n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(path)


@pytest.mark.parametrize("field, value, message", [
    ("explainers", {"cv.integrated_gradient": {}}, "Known explainers: .*cv.integrated_gradients"),
    ("output", "probabilities", "Known outputs: .*softmax"),
    ("target", "biggest", "Known targets: all, argmax, argmin, continuation, detection, nlp.argmax, positive, segmentation, topk"),
])
def test_unknown_names_list_the_registered_ones(field, value, message):
    config = RunConfig(explainers={"cv.integrated_gradients": {}})
    setattr(config, field, value)
    with pytest.raises(UnknownNameError, match=message):
        resolve_names(config)


def test_unknown_explainer_parameter_is_refused():
    with pytest.raises(ParameterError, match="does not take parameter\\(s\\) steps"):
        resolve_names(RunConfig(explainers={"cv.integrated_gradients": {"steps": 3}}))


def test_metrics_are_a_list_or_a_table_and_round_trip(tmp_path):
    assert from_mapping({"metrics": ["deletion"]}).metrics == {"deletion": {}}
    config = RunConfig(model="m:f", inputs=["a.png"], explainers={"cv.saliency": {}},
                       metrics={"deletion": {"steps": 10, "baseline": "blur"}, "insertion": {}})
    path = tmp_path / "run.toml"
    path.write_text(to_toml(config))

    assert load_config(path) == config


def test_a_metric_parameter_it_does_not_take_is_an_error():
    config = RunConfig(model="m:f", inputs=["a.png"], explainers={"cv.saliency": {}}, metrics={"deletion": {"step": 3}})

    with pytest.raises(ParameterError, match="step"):
        resolve_names(config)
