"""Publishing the production site: `invoke publish` (rsync over SSH) and `invoke gh-pages`.

One concern per module:
  settings  where the publish settings come from (publishconf.py, then BLOG_* environment variables)
  guard     the production build into a fresh directory, stopping everything if it fails
  rsync     the upload to a server with rsync over SSH
  ghpages   the commit to a GitHub Pages branch with ghp-import, and the push
  errors    the exception that stops a publish with a plain message
"""
