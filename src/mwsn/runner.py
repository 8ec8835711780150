"""The runner's former single module, kept so ``from mwsn import runner`` goes on working.

The runner is the :mod:`mwsn.run` package; this module re-exports its public
names (``runner.run``, ``runner.run_many``, ``runner.verify`` ...) and the few
internals the tests reach for.
"""

from mwsn.run import *  # noqa: F403
from mwsn.run import __all__ as _names
from mwsn.run.plan import plan
from mwsn.run.verify import verify
from mwsn.run.staging import _link_tree, _lock, _recover  # noqa: F401

__all__ = [*_names, "plan", "verify"]
