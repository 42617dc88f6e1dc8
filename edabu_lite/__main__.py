"""``python -m edabu_lite`` is the ``edabu`` command."""

from edabu_lite.cli import main

main()
