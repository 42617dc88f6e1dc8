"""The roster: participants, their families, and the sheet import."""

#: The module the helper processes of a large roster import start with (the row checks and
#: the region table): named here, where the command line can reach it without loading them.
HELPER_PRELOAD = "edabu_lite.roster.helper_preload"
