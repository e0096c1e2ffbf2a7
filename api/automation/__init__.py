"""GraphQL surface of the automation rules engine: rules, their run log and in-app notifications."""
