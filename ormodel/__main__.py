"""``python -m ormodel`` runs the CLI."""

import sys

from ormodel.cli import main

sys.exit(main())
