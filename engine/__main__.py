"""``python -m engine`` runs the statewise command line."""

import sys

from engine.cli import main

sys.exit(main())
