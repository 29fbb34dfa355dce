package dev.trickle.streams.fuzz;

import dev.trickle.streams.plan.FuzzAccess;
import dev.trickle.streams.sql.QueryCompileException;
import dev.trickle.streams.sql.UnsupportedQueryException;
import java.sql.SQLException;

/**
 * Runs a case against PostgreSQL and the engine and says what happened: equal after every tick (PASS),
 * refused by the engine as unsupported (REFUSED, with the construct it named), not a valid case (INVALID:
 * PostgreSQL rejected the query or a DML statement, which is the generator's fault), or a bug (FAIL: a
 * different result, an error PostgreSQL does not raise, or a query PostgreSQL runs called invalid).
 */
final class CaseRunner {
    enum Kind { PASS, REFUSED, INVALID, FAIL }

    record Outcome(Kind kind, String detail) {
        boolean failed() {
            return kind == Kind.FAIL;
        }
    }

    private final FuzzAccess db;

    CaseRunner(FuzzAccess db) {
        this.db = db;
    }

    /** Sets the case's tables and rows up; null when that worked, else the INVALID outcome. */
    Outcome setUp(FuzzCase c) {
        try {
            db.setUp(c.tables(), c.setUp());
            return null;
        } catch (SQLException e) {
            return new Outcome(Kind.INVALID, "set-up: " + e.getMessage());
        }
    }

    /** Sets the case up and checks its query. */
    Outcome run(FuzzCase c) {
        Outcome failedSetUp = setUp(c);
        return failedSetUp != null ? failedSetUp : check(c);
    }

    /** Checks the case's query on tables already {@link #setUp}. */
    Outcome check(FuzzCase c) {
        try {
            String pgError = db.postgresError(c.query());
            if (pgError != null) {
                return new Outcome(Kind.INVALID, "PostgreSQL: " + pgError);
            }
            db.check(c.query(), c.rounds());
            return new Outcome(Kind.PASS, null);
        } catch (UnsupportedQueryException e) {
            return new Outcome(Kind.REFUSED, e.construct());
        } catch (QueryCompileException e) {
            // PostgreSQL runs the query and the engine calls it invalid: not a refusal, a bug
            return new Outcome(Kind.FAIL, "not compiled: " + e.getMessage());
        } catch (SQLException e) {
            return new Outcome(Kind.INVALID, "DML: " + e.getMessage());
        } catch (AssertionError e) {
            return new Outcome(Kind.FAIL, e.getMessage());
        } catch (Exception | LinkageError e) {
            // the engine's evaluation errors and crashes, on a query PostgreSQL runs
            return new Outcome(Kind.FAIL, e.toString());
        }
    }
}
