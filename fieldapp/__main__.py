"""`python -m fieldapp` runs the same command line as the `fieldapp` script."""

import sys

from fieldapp.cli.main import main

sys.exit(main())
