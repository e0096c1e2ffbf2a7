"""GraphQL of background jobs: `job(id)`, `jobs(filter)` and `cancelJob`."""
