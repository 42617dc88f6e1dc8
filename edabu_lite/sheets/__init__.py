"""Excel plumbing shared by the roster and mutation sheets: column specs, safe reading,
header matching, styled writing. Domain rules live in the domain packages, not here."""
