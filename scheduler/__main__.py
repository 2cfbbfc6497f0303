"""``python -m scheduler`` runs the evertide CLI (the same as the ``evertide`` command)."""

from scheduler.cli.app import main

main()
