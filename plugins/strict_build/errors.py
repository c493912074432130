"""The exception that ends a build that must not count as a success."""


class BuildFailed(SystemExit):
    """Ends the build with exit status 1 and a plain message, without a traceback.

    A SystemExit rather than an Exception: Pelican's command line prints any
    Exception with a long traceback, which would bury the `file:line` lines.
    """

    def __init__(self, message):
        super().__init__(f"Build failed: {message}")
        self.message = message
