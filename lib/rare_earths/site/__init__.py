"""The reader site: the index page, the sources page, the HTML report template and its helpers. Imports only the core."""
