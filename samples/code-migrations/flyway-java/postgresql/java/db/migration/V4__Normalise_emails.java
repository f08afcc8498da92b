package db.migration;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

// Not straight-line: it reads rows and computes the new values in Java.
public class V4__Normalise_emails extends BaseJavaMigration {
    @Override
    public void migrate(Context context) throws Exception {
        try (Statement select = context.getConnection().createStatement();
             ResultSet rows = select.executeQuery("SELECT id, email FROM customers");
             PreparedStatement update = context.getConnection()
                     .prepareStatement("UPDATE customers SET email = ? WHERE id = ?")) {
            while (rows.next()) {
                update.setString(1, rows.getString(2).trim().toLowerCase());
                update.setInt(2, rows.getInt(1));
                update.executeUpdate();
            }
        }
    }
}
