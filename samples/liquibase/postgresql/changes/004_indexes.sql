--liquibase formatted sql

--changeset isp:8 dbms:postgresql runInTransaction:false
--comment: index invoices issued on
CREATE INDEX CONCURRENTLY ix_invoices_issued_on ON invoices (issued_on);
--rollback DROP INDEX CONCURRENTLY ix_invoices_issued_on;
