"""``python -m sim``: the same as the ``frontline`` command."""

import sys

from sim.cli import main

sys.exit(main())
