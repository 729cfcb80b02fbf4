package dev.kiln.db;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** A second Kiln on one SQLite file gets one clear paragraph at start-up, not a stack trace. */
class DatabaseInUseFailureAnalyzer extends AbstractFailureAnalyzer<DatabaseInUseException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, DatabaseInUseException cause) {
        return new FailureAnalysis(
                cause.getMessage(),
                "Stop the other Kiln, give this one its own data directory (kiln.home), or run every node on "
                        + "PostgreSQL (kiln.database.url=jdbc:postgresql://…).",
                cause);
    }
}
