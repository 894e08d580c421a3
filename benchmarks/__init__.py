"""The tunebench harness, grouped by stage: plan -> execution -> store -> reference -> analysis -> report, with the cli on top."""

if __name__ == "benchmarks":  # the pre-0.2 top-level name, imported from a source checkout
    from tunebench._legacy import alias_package

    alias_package(__name__)


from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tunebench")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
