"""The exception that stops a publish with a plain message and a non-zero exit."""


class PublishError(SystemExit):
    """Ends the command with exit status 1 and the message, without a traceback.

    A SystemExit, like strict_build's BuildFailed: the message is what the
    author needs to read, a traceback would only bury it.
    """

    def __init__(self, message):
        super().__init__(f"Publish stopped: {message}")
        self.message = message
