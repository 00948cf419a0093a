"""`python -m layoutc`."""

import sys

from .cli import main

sys.exit(main())
