"""Maps the top-level folders into the ``ormodel`` namespace (see pyproject.toml for metadata).

``solvers/``, ``learned/``, ``datasets/`` and ``nl2opt/`` install as ``ormodel.solvers`` and so on,
so that no top-level package shadows another library (e.g. Hugging Face ``datasets``).
"""

from setuptools import find_packages, setup

FOLDERS = {
    "ormodel": "ormodel",
    "ormodel.solvers": "solvers",
    "ormodel.learned": "learned",
    "ormodel.datasets": "datasets",
    "ormodel.nl2opt": "nl2opt",
}

# Data-only packages: the NL golden formulations live with the tests and feed the retrieval library.
DATA_FOLDERS = {"ormodel.nl2opt.golden": "tests/nl2opt/golden"}

packages = []
for package, folder in FOLDERS.items():
    packages.append(package)
    packages.extend(f"{package}.{sub}" for sub in find_packages(folder))
packages.extend(DATA_FOLDERS)

setup(packages=packages, package_dir={**FOLDERS, **DATA_FOLDERS})
