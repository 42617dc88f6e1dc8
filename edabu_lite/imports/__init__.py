"""Upload jobs shared by the roster and mutation sheets: the uploaded file, its staged rows
with their issues, progress, and the state machine (uploaded → processing → validated or
rejected → committing → committed). The sheet-specific validation and commit live in the
roster and mutations packages."""
