"""The automation rules engine: tenant-defined "when this happens, if that holds, do these"."""
