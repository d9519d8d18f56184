"""``python -m errorwire deploy|check`` (the ``errorwire`` command)."""

from errorwire.cli import main

raise SystemExit(main())
