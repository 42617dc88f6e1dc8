"""The tamper-evident audit trail: model, hashing, recording, verification and viewer."""
