-- create customers

DROP TABLE customers;
