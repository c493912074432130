"""`python -m pelican_snippets`: the same as the `snippets` command."""

import sys

from .integrations.cli import main

sys.exit(main())
