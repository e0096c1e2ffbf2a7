"""What leaves Tessera for other systems: HTTP calls (signed, time-limited, guarded against
reaching private networks) and email over SMTP. Used by automation actions and integrations."""
