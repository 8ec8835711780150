"""``python -m mwsn`` is the same as the ``mwsn`` command."""

from mwsn.cli import main

raise SystemExit(main())
