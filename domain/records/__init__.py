"""What every editable record shares: field specs, filters, ordering, keyset pages, versioned
writes, soft deletion and the audit trail. Object packages (customers, contacts...) describe
themselves with a RecordSpec and call into here."""
