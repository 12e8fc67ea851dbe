# Entry points of the collection. `make report` and `make test` create the project's
# virtual environment (.venv) on first use, from the pins in requirements.lock.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv report test lab validate clean distclean lock sweep git-filter

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# A .venv/ belongs to the folder it was made in: its scripts and the editable install name that folder. After a copy
# (cp -a) or a move it would run the other folder's code, or none; make re-creates it here (--clear) instead.
# The folder is read from .venv/.project (written below), else from the venv's own pyvenv.cfg.
VENV_HOME := $(shell cat '$(VENV)/.project' 2>/dev/null || sed -n 's|^command = .* -m venv \(.*\)/$(VENV)$$|\1|p' '$(VENV)/pyvenv.cfg' 2>/dev/null)
FOREIGN_NOTE = $(VENV)/ was made for $(VENV_HOME), not for this folder (copied or moved?): re-creating it here
# A .venv that is a symbolic link was shared on purpose (benchmarks/ does so): it is never re-created from here.
FOREIGN_VENV := $(shell test ! -L '$(VENV)' && test -f '$(STAMP)' && test -n '$(VENV_HOME)' && test '$(VENV_HOME)' != '$(CURDIR)' && echo yes)

$(STAMP): requirements.lock pyproject.toml $(if $(FOREIGN_VENV),FORCE)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s); set PYTHON=/path/to/python3.11" % sys.version.split()[0])'
	$(if $(FOREIGN_VENV),@echo "$(FOREIGN_NOTE)")
	$(PYTHON) -m venv $(if $(FOREIGN_VENV),--clear )$(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@$(MAKE) --no-print-directory git-filter
	@printf '%s\n' '$(CURDIR)' > '$(VENV)/.project'
	@touch $(STAMP)

.PHONY: FORCE
FORCE:

venv: $(STAMP)  ## create/update the project environment only

# What a kernel writes into a notebook (outputs, execution counts, the Python version in language_info) never
# reaches a commit: nbstripout, pinned in requirements.lock, is this clone's git filter for *.ipynb (.gitattributes).
# Paths are relative: git runs filters from the top of the work tree, where .venv/ is.
NBSTRIPOUT_EXTRA_KEYS := metadata.language_info.version metadata.language_info.codemirror_mode metadata.language_info.file_extension metadata.language_info.mimetype metadata.language_info.nbconvert_exporter metadata.language_info.pygments_lexer
git-filter:  ## keep notebooks committed without outputs (run by the set-up; needs a git clone)
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean '$(BIN)/python -m nbstripout --keep-id' && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.extrakeys '$(NBSTRIPOUT_EXTRA_KEYS)' && \
	  git config diff.ipynb.textconv '$(BIN)/python -m nbstripout --keep-id -t' && \
	  echo "git filter: notebooks are committed without outputs (nbstripout)"; \
	else echo "not a git clone: no git filter installed"; fi

report: $(STAMP)  ## execute every notebook and export HTML, figures, tables and outputs/index.html
	$(BIN)/python -m rare_earths build $(ARGS)

test: $(STAMP)  ## run the test suite, then the lint and format checks (ruff)
	$(BIN)/python -m pytest $(ARGS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

sweep: $(STAMP)  ## run notebook 07 over notebooks/07_outlook.scenarios.csv in parallel; compare in outputs/sweep/
	$(BIN)/python -m rare_earths sweep $(ARGS)

lab: $(STAMP)  ## open JupyterLab on the project's environment and kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(ARGS)

validate: $(STAMP)  ## validate data/ against data/datapackage.json, and the claims inventory against the article
	$(BIN)/python -m rare_earths validate

.PHONY: data
data: $(STAMP)  ## refresh data/comtrade/ from the UN Comtrade API (needs the network; key: COMTRADE_API_KEY, optional)
	$(BIN)/python -m rare_earths refresh $(ARGS)

lock:  ## re-resolve requirements.lock from pyproject.toml (needs the network)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e ".[dask,test]" && .lock-venv/bin/python -m pip freeze --exclude-editable > .lock.tmp
	@echo "review .lock.tmp, then replace the pins in requirements.lock (environment.yml reads it)"; rm -rf .lock-venv

clean:  ## remove generated outputs and the build's records (.build/)
	rm -rf outputs .build

distclean: clean  ## remove outputs and the virtual environment
	rm -rf $(VENV)
