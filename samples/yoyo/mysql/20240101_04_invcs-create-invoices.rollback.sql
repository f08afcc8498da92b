-- create invoices

DROP TABLE invoices;
