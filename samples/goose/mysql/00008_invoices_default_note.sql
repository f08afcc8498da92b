-- +goose Up
-- +goose StatementBegin
CREATE TRIGGER trg_invoices_default_note BEFORE INSERT ON invoices
FOR EACH ROW
BEGIN
    IF NEW.note IS NULL THEN
        SET NEW.note = '';
    END IF;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER trg_invoices_default_note;
