"""The command line's own commands: the console, the summary, backup and restore, and the checks before any runs."""
