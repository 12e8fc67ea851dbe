"""The analysis, one module per section of the article: what the notebooks call. Sections import only the core."""
