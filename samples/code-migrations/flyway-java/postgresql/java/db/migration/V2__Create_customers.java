package db.migration;

import java.sql.Statement;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Straight-line: a Statement executing SQL literals and constants of the class.
 * "A string in a comment" is not SQL.
 */
public class V2__Create_customers extends BaseJavaMigration {
    private static final String TABLE = "customers";
    private static final String CREATE =
            "CREATE TABLE " + TABLE + " (id SERIAL PRIMARY KEY, email VARCHAR(320) NOT NULL, "
            + "plan_id INTEGER REFERENCES plans (id))";

    @Override
    public void migrate(Context context) throws Exception {
        try (Statement statement = context.getConnection().createStatement()) {
            statement.execute(CREATE);
            statement.execute("CREATE UNIQUE INDEX customers_email ON customers (lower(email))");
        }
    }
}
