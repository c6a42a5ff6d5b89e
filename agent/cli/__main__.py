"""`python -m agent.cli` is `eqm`: how the server starts a child command with its own
interpreter, whatever PATH holds."""

from agent.cli import main

if __name__ == "__main__":
    main()
