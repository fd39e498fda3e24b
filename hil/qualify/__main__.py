"""`python -m hil.qualify MODULE`: the same command as `pos-qualify`."""

import sys

from hil.qualify.cli import main

sys.exit(main())
