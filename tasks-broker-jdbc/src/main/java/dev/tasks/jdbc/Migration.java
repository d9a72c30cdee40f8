package dev.tasks.jdbc;

/**
 * One version of the tasks schema: its script, and the oldest code that can still run against a schema at
 * this version. The code's version is the highest schema version it knows ({@link MigrationPlan#latest()}).
 * An expanding migration (new tables, columns, indexes that old code ignores) keeps the previous version's
 * {@code compatibleFrom}; a contracting one (dropping or changing what older code uses) raises it, and is
 * applied only by an explicit step ({@code tasks migrate --contract}). The rules are in docs/deploying.md.
 *
 * @param version the schema version, from 1 up without gaps
 * @param script the script's file name in {@code migrations/<dialect>/}
 * @param compatibleFrom the oldest code version that can run against a schema at this version
 * @param contracting whether it removes or changes something older code uses
 */
record Migration(int version, String script, int compatibleFrom, boolean contracting) {

    /** A migration that only adds: code that ran against the previous version runs against this one. */
    static Migration expand(int version, String script, int compatibleFrom) {
        return new Migration(version, script, compatibleFrom, false);
    }

    /** A migration that takes away: only code of version {@code compatibleFrom} or later runs against it. */
    static Migration contract(int version, String script, int compatibleFrom) {
        return new Migration(version, script, compatibleFrom, true);
    }
}
