-- Network regions served by the ISP.
CREATE TABLE regions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code VARCHAR(8) NOT NULL UNIQUE,
    name VARCHAR(80) NOT NULL
);
