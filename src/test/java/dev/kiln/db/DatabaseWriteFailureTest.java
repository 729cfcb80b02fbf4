package dev.kiln.db;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.datasource.AbstractDataSource;

/** A write that cannot get a connection fails as the database's failure, which callers retry or answer 503 to. */
class DatabaseWriteFailureTest {

    @Test
    void aTransactionThatCannotBeginIsADataAccessFailure() {
        AbstractDataSource unreachable = new AbstractDataSource() {
            @Override
            public Connection getConnection() throws SQLTransientConnectionException {
                throw new SQLTransientConnectionException("kiln-db - Connection is not available, request timed out");
            }

            @Override
            public Connection getConnection(String user, String password) throws SQLTransientConnectionException {
                return getConnection();
            }
        };
        Database database = new Database(Dialect.forUrl("jdbc:postgresql://127.0.0.1:1/unreachable"), unreachable);

        assertThatThrownBy(() -> database.write(() -> "never run"))
                .isInstanceOf(DataAccessResourceFailureException.class)
                .hasMessageContaining("Could not open JDBC Connection");
    }
}
