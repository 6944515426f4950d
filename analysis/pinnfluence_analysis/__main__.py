"""Entry point of `python3 -m pinnfluence_analysis`."""

import sys

from .cli import main

sys.exit(main())
