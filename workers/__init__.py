"""dramatiq broker set-up and actors. Actors are thin: ids in, one domain call in a tenant transaction."""
