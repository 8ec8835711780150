"""Build step: copy the project files a run needs into the package (``mwsn/_bundled/``).

The repository keeps ``notebooks/``, ``params/``, ``data/external/`` and ``docs/`` where
the design puts them; a wheel must carry them so that ``mwsn init`` and ``mwsn run`` work
without a checkout. ``mwsn.bundled`` lists what is copied and finds it again at run time.
Symbolic links are resolved: the wheel holds the files themselves.
"""

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _bundled_module():
    spec = importlib.util.spec_from_file_location("_mwsn_bundled", HERE / "src/mwsn/bundled.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithProjectFiles(build_py):
    """``build_py``, then the project files copied under ``mwsn/_bundled/``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own files
        target = Path(self.build_lib) / "mwsn" / "_bundled"
        if target.exists():
            shutil.rmtree(target)
        for source, relative in _bundled_module().files(HERE):
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source.resolve(), destination)


setup(cmdclass={"build_py": BuildWithProjectFiles})
