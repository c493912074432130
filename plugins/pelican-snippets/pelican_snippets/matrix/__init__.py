"""The interpreters a build verifies on, and the environments its posts run in: one per interpreter
and dependency set."""
