-- +goose Up
-- +goose StatementBegin
CREATE TRIGGER trg_invoices_default_note AFTER INSERT ON invoices
FOR EACH ROW WHEN NEW.note IS NULL
BEGIN
    UPDATE invoices SET note = '' WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER trg_invoices_default_note;
