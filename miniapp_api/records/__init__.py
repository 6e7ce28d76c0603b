"""Internal records: the facts the provincial system holds, imported here and only read."""
