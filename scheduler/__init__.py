"""Background work: the job and outbox worker (the APScheduler sweeps build on it)."""
