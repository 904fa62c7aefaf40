"""The admin command line's subcommands; ``harvest_cli.py`` is the entry point.

Importing ``oai.cli.catalog`` and ``oai.cli.harvesting`` registers their subcommands in
``oai.cli.base.COMMANDS``, in the order the help lists them.
"""
