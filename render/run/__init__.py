"""Running: scenes planned into typed jobs, run by one batch through an executor, each staged and
published whole, recorded in the manifest, with progress shown."""
