"""Show the results: under each block, in the author's console, and on the site's report page."""
