--liquibase formatted sql

--changeset isp:8 runInTransaction:false
--comment: index invoices issued on
CREATE INDEX ix_invoices_issued_on ON invoices (issued_on);
--rollback DROP INDEX ix_invoices_issued_on ON invoices;

--changeset isp:9 splitStatements:false endDelimiter://
--comment: normalise customer emails on insert
CREATE TRIGGER trg_customers_email_normalise BEFORE INSERT ON customers
FOR EACH ROW
BEGIN
    SET NEW.email = LOWER(TRIM(NEW.email));
END
--rollback DROP TRIGGER trg_customers_email_normalise;
