"""UBL and OIOUBL: safe parsing, the official schemas, readers and writers."""
