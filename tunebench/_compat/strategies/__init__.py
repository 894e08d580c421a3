"""Deprecated alias of ``tunebench.strategies`` (see :mod:`tunebench._legacy`)."""

from tunebench._legacy import alias_package

alias_package(__name__)
