"""`python -m rare_earths` entry point: a no-op build is answered from its stamp before the command line loads."""

import sys

from .build.noop import answer

status = answer(sys.argv[1:])
if status is None:
    from .cli import main

    status = main()
sys.exit(status)
