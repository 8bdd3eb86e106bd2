"""``python -m pallet``."""

import sys

from pallet.cli.main import main

sys.exit(main())
