--liquibase formatted sql

--changeset isp:8 runInTransaction:false
--comment: index invoices issued on
CREATE INDEX ix_invoices_issued_on ON invoices (issued_on);
--rollback DROP INDEX ix_invoices_issued_on;
