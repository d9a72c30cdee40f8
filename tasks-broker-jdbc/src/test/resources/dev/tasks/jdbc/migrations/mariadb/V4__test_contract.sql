-- A test fixture: a contracting migration (as if it dropped what code of version 3 reads).
CREATE TABLE IF NOT EXISTS ${t}test_contracted (id INTEGER PRIMARY KEY);
