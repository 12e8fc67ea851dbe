"""`python -m rare_earths` entry point."""

import sys

from .cli import main

sys.exit(main())
