"""Writing outputs whole or not at all (temporary file, then rename)."""
