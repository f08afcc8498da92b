-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION invoices_default_note() RETURNS trigger AS $$
BEGIN
    IF NEW.note IS NULL THEN
        NEW.note := '';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER trg_invoices_default_note BEFORE INSERT OR UPDATE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_default_note();

-- +goose Down
DROP TRIGGER trg_invoices_default_note ON invoices;
DROP FUNCTION invoices_default_note();
