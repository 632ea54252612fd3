"""What every stage shares: safe file writes and reads (atomic files, zip guards, YAML,
tables, workbooks), the process pool, and the fixed choices of options."""
