"""Business logic: no GraphQL, no HTTP, no queue. Entry points (api, workers, CLI) call into here."""

# Every module holding tortoise models; the composition root hands this list to tenants.database.
MODEL_MODULES = ["tenants.models", "domain.identity.models"]
