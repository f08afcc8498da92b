package db.migration;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

// Straight-line: JdbcTemplate with a text block and an escaped literal.
public class V2_1__Seed_plans extends BaseJavaMigration {
    @Override
    public void migrate(Context context) {
        JdbcTemplate jdbc =
                new JdbcTemplate(new SingleConnectionDataSource(context.getConnection(), true));
        jdbc.execute("""
            INSERT INTO plans (id, name, monthly_cents) VALUES
                (1, 'basic', 1900),
                (2, 'fibre \u201cpro\u201d', 4900),
                (3, 'it''s business', 9900)
            """);
        jdbc.update("INSERT INTO customers (email, plan_id) VALUES ('ada@example.org', 2), "
                + "('Grace@Example.org', 1)");
    }
}
