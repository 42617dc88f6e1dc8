"""What the roster import's helper processes start with: the fork server imports this module
once, and every helper it forks for a job inherits the result.

That is the row checks (`edabu_lite.roster.chunks`) and the region table the NIK check
reads. Loading the table takes a noticeable part of a second; done in each helper it would
hold back the first chunk of every large import. The fork server loads it once,
started by the job consumer when it starts (or by the command line when it is given a large
file: `importing.start_helpers`), so it costs no import any time.
"""

from edabu_lite.identity.regions import get_regions
from edabu_lite.roster import chunks  # noqa: F401 - imported for the helpers

get_regions()
