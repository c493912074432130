"""The build's side of the snippet service: start it, encode jobs for it, decode its answers."""
