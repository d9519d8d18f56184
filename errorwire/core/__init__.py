"""Framework-neutral core: configuration, context, the event and its pipeline."""
