"""The tunebench harness: suites -> cells -> trials -> store -> analysis -> report."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tunebench")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
