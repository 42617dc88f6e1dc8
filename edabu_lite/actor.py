"""Who makes a change, from where: recorded with every audit event. A value of its own, so
the command line and the web can name the actor without loading the audit trail."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change, from where: a web user, the CLI's named actor, a job."""

    name: str
    source: str  # web / cli / api / job
    user_id: int | None = None
    client_addr: str | None = None

    def for_job(self) -> Actor:
        """The same person acting through a background job."""
        return Actor(self.name, "job", self.user_id, self.client_addr)
