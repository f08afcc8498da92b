-- Network regions served by the ISP.
CREATE TABLE regions (
    id SERIAL PRIMARY KEY,
    code VARCHAR(8) NOT NULL UNIQUE,
    name VARCHAR(80) NOT NULL
);
