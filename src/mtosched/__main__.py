"""``python -m mtosched``: the same command line as the ``mtosched`` script."""

from mtosched.cli import main

if __name__ == "__main__":
    main()
