"""What runs in the snippet service's interpreter: the service, its children, the worker.

Standard library only, valid on CPython 3.9 and later, and loaded by path
(`python RUNTIME service ...`), so one copy serves every interpreter a build
verifies on. The build imports wire.py from here too: the protocol is
written down once.
"""
