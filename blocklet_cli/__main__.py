"""`python -m blocklet_cli` runs the command-line tool."""

from blocklet_cli.cli.entry import main

if __name__ == "__main__":
    main()
