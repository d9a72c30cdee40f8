package dev.tasks.beat.internal;

import com.cronutils.model.Cron;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.field.CronFieldName;
import com.cronutils.model.field.expression.Always;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.ZonedDateTime;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Cron slots in a time zone, with daylight-saving transitions handled like Vixie cron does:
 * <ul>
 *   <li>a local time that does not exist (spring forward, e.g. 02:30 in America/New_York on the second
 *       Sunday of March) fires once, shifted forward by the length of the gap (03:30 EDT); slots that
 *       shift onto the same instant fire once;</li>
 *   <li>a local time that exists twice (fall back, e.g. 01:30) fires once, at its first occurrence,
 *       unless the hour field is {@code *}: then the schedule follows elapsed time and fires in both
 *       passes of the repeated hour (an hourly job runs every hour).</li>
 * </ul>
 * Accepted syntax: 5 fields (minute hour day-of-month month day-of-week, Unix), 6 fields (seconds first),
 * and the macros {@code @yearly @annually @monthly @weekly @daily @midnight @hourly}. Day-of-week is 0-7
 * (0 and 7 are Sunday) or {@code SUN-SAT}; months 1-12 or {@code JAN-DEC}.
 */
public final class CronTrigger implements Trigger {
    private static final CronParser FIVE_FIELDS = new CronParser(definition(false));
    private static final CronParser SIX_FIELDS = new CronParser(definition(true));
    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@hourly", "0 * * * *");
    /** Longer than any daylight-saving overlap there is (one hour almost everywhere). */
    private static final Duration MARGIN = Duration.ofHours(3);

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime executionTime;
    private final boolean everyHour;

    private CronTrigger(String expression, ZoneId zone, Cron cron) {
        this.expression = expression;
        this.zone = zone;
        this.executionTime = ExecutionTime.forCron(cron);
        this.everyHour = cron.retrieve(CronFieldName.HOUR).getExpression() instanceof Always;
    }

    /**
     * Parses a cron expression.
     *
     * @throws IllegalArgumentException saying what is wrong with it (the caller adds which schedule it is)
     */
    public static CronTrigger parse(String expression, ZoneId zone) {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(zone, "zone");
        String normalized = expression.trim().replaceAll("\\s+", " ");
        if (normalized.isEmpty()) {
            throw new IllegalArgumentException("the cron expression is empty");
        }
        String cronText = normalized;
        if (normalized.startsWith("@")) {
            cronText = MACROS.get(normalized.toLowerCase(Locale.ROOT));
            if (cronText == null) {
                throw new IllegalArgumentException("unknown cron macro '" + normalized + "'; known macros are "
                        + "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly");
            }
        }
        int fields = cronText.split(" ").length;
        CronParser parser;
        if (fields == 5) {
            parser = FIVE_FIELDS;
        } else if (fields == 6) {
            parser = SIX_FIELDS;
        } else {
            throw new IllegalArgumentException("cron expression '" + normalized + "' has " + fields + " fields; expected"
                    + " 5 (minute hour day-of-month month day-of-week) or 6 (second first)");
        }
        Cron cron;
        try {
            cron = parser.parse(cronText.toUpperCase(Locale.ROOT)).validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid cron expression '" + normalized + "': " + e.getMessage(), e);
        }
        return new CronTrigger(normalized, zone, cron);
    }

    private static CronDefinition definition(boolean seconds) {
        CronDefinitionBuilder b = CronDefinitionBuilder.defineCron();
        if (seconds) {
            b = b.withSeconds().withValidRange(0, 59).withStrictRange().and();
        }
        return b.withMinutes().withValidRange(0, 59).withStrictRange().and()
                .withHours().withValidRange(0, 23).withStrictRange().and()
                .withDayOfMonth().withValidRange(1, 31).withStrictRange().and()
                .withMonth().withValidRange(1, 12).withStrictRange().and()
                .withDayOfWeek().withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0)
                .withStrictRange().and()
                .instance();
    }

    /** The expression as given (whitespace normalized). */
    public String expression() {
        return expression;
    }

    /** The time zone the expression is read in. */
    public ZoneId zone() {
        return zone;
    }

    @Override
    public Optional<Instant> nextAfter(Instant after) {
        ZoneRules rules = zone.getRules();
        LocalDateTime afterLocal = LocalDateTime.ofInstant(after, zone);
        Optional<LocalDateTime> first = nextLocal(afterLocal);
        if (first.isEmpty()) {
            return Optional.empty();
        }
        Instant firstInstant = ZonedDateTime.ofLocal(first.get(), zone, null).toInstant();
        if (!transitionNear(rules, after, firstInstant) && firstInstant.isAfter(after)) {
            return Optional.of(firstInstant);
        }
        // Near a transition, local order and instant order differ: look at every local match from a margin
        // before the reference point and keep the smallest instant after it.
        Instant best = null;
        LocalDateTime cursor = afterLocal.minus(MARGIN);
        while (true) {
            Optional<LocalDateTime> next = nextLocal(cursor);
            if (next.isEmpty()) {
                break;
            }
            LocalDateTime ldt = next.get();
            if (best != null && ldt.isAfter(LocalDateTime.ofInstant(best, zone).plus(MARGIN))) {
                break;
            }
            for (Instant candidate : instantsOf(rules, ldt)) {
                if (candidate.isAfter(after) && (best == null || candidate.isBefore(best))) {
                    best = candidate;
                }
            }
            cursor = ldt;
        }
        return Optional.ofNullable(best);
    }

    private Optional<LocalDateTime> nextLocal(LocalDateTime after) {
        return executionTime.nextExecution(after.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
    }

    private List<Instant> instantsOf(ZoneRules rules, LocalDateTime ldt) {
        List<ZoneOffset> offsets = rules.getValidOffsets(ldt);
        if (offsets.size() == 1) {
            return List.of(ldt.toInstant(offsets.get(0)));
        }
        if (offsets.isEmpty()) {
            return List.of(ZonedDateTime.ofLocal(ldt, zone, null).toInstant());
        }
        ZoneOffsetTransition t = rules.getTransition(ldt);
        Instant firstPass = ldt.toInstant(t.getOffsetBefore());
        return everyHour ? List.of(firstPass, ldt.toInstant(t.getOffsetAfter())) : List.of(firstPass);
    }

    private static boolean transitionNear(ZoneRules rules, Instant from, Instant to) {
        if (rules.isFixedOffset()) {
            return false;
        }
        ZoneOffsetTransition t = rules.nextTransition(from.minus(Duration.ofDays(1)));
        return t != null && !t.getInstant().isAfter(to.plus(Duration.ofDays(1)));
    }

    /** A short human-readable description. */
    public String describe() {
        return "cron '" + expression + "' in " + zone;
    }
}
