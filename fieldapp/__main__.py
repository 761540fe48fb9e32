"""`python -m fieldapp` runs the same command line as the `fieldapp` script.

Guarded: a helper process started with ``spawn`` (the Excel export's second core) imports this
module again and must not run the command a second time.
"""

import sys

from fieldapp.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
