package dev.tasks.jdbc;

import java.util.List;

/**
 * The schema versions this code knows, in order, and what follows from them: the version this code needs
 * ({@link #required()}), the newest it can install ({@link #latest()}), and which schema versions it can run
 * against. Checked when built: versions count up from 1, an expanding migration keeps the previous
 * {@code compatibleFrom}, a contracting one raises it. Immutable.
 */
final class MigrationPlan {
    /**
     * Test hook (internal): makes this code know only the first N migrations, as an older release did, so a
     * test can run "old" code in a separate JVM through the real start-up path.
     */
    static final String KNOWN_VERSIONS_PROPERTY = "tasks.internal.jdbc.knownSchemaVersions";

    /** Every migration of this release. Append only; see {@link Migration} for the rules. */
    static final List<Migration> ALL = List.of(
            Migration.expand(1, "V1__create_tables.sql", 1),
            Migration.expand(2, "V2__control_tables.sql", 1),
            Migration.expand(3, "V3__worker_layouts.sql", 1));

    private final List<Migration> migrations;

    MigrationPlan(List<Migration> migrations) {
        if (migrations.isEmpty()) {
            throw new IllegalArgumentException("a migration plan needs at least one migration");
        }
        for (int i = 0; i < migrations.size(); i++) {
            Migration m = migrations.get(i);
            if (m.version() != i + 1) {
                throw new IllegalArgumentException("migration " + m.script() + " must be version " + (i + 1));
            }
            int previous = i == 0 ? 1 : migrations.get(i - 1).compatibleFrom();
            if (!m.contracting() && m.compatibleFrom() != previous) {
                throw new IllegalArgumentException("expanding migration " + m.script() + " must keep compatibleFrom "
                        + previous + ", was " + m.compatibleFrom());
            }
            if (m.contracting() && (m.compatibleFrom() <= previous || m.compatibleFrom() > m.version())) {
                throw new IllegalArgumentException("contracting migration " + m.script() + " must raise compatibleFrom"
                        + " above " + previous + " and at most to " + m.version() + ", was " + m.compatibleFrom());
            }
        }
        this.migrations = List.copyOf(migrations);
    }

    /** This release's plan, cut to {@value #KNOWN_VERSIONS_PROPERTY} versions when that test hook is set. */
    static MigrationPlan current() {
        String known = System.getProperty(KNOWN_VERSIONS_PROPERTY);
        if (known == null) {
            return new MigrationPlan(ALL);
        }
        return new MigrationPlan(ALL.subList(0, Math.min(ALL.size(), Integer.parseInt(known.strip()))));
    }

    /** The newest version this code knows: its code version. */
    int latest() {
        return migrations.size();
    }

    /**
     * The version this code needs: the latest, less the contracting migrations at the end (the code that
     * ships a contraction also runs before it is applied).
     */
    int required() {
        int v = latest();
        while (v > 0 && migrations.get(v - 1).contracting()) {
            v--;
        }
        return v;
    }

    Migration migration(int version) {
        return migrations.get(version - 1);
    }

    /** The oldest code version that runs against a schema at {@code version} (a version this code knows). */
    int compatibleFrom(int version) {
        return version == 0 ? 1 : migration(version).compatibleFrom();
    }

    /** The oldest code version that can run beside this code: what the schema this code needs admits. */
    int oldestPeer() {
        return compatibleFrom(required());
    }
}
