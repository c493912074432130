"""The exception that ends a build that must not count as a success."""


class BuildFailed(SystemExit):
    """Ends the build with exit status 1 and a plain message, without a traceback.

    A SystemExit rather than an Exception: Pelican's command line prints any
    Exception with a long traceback, which would bury the `file:line` lines. That
    a SystemExit raised by a signal receiver ends the command with its status is a
    Pelican internal (pelican.main catches Exception only, as of pelican==4.12.0).
    """

    def __init__(self, message: str):
        super().__init__(f"Build failed: {message}")
        self.message = message
