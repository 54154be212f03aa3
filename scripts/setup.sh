# Sourced by the other scripts: create .venv (once) and install the project into it, again only
# when pyproject.toml changed. EXTRAS selects optional dependencies, e.g. EXTRAS="[test]".
EXTRAS=${EXTRAS:-}
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed$EXTRAS-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".$EXTRAS"
    rm -f .venv/.installed"$EXTRAS"-*
    touch "$stamp"
fi
