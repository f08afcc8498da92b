--liquibase formatted sql

--changeset isp:7
--comment: add customer phone
ALTER TABLE customers ADD COLUMN phone VARCHAR(32);
CREATE INDEX ix_customers_status ON customers (status);
/* liquibase rollback
DROP INDEX ix_customers_status;
ALTER TABLE customers DROP COLUMN phone;
*/
