/**
 * Support for authors of brokers and other service implementations: the parts every broker needs and that
 * should be written once, public and versioned like the rest of the SPI.
 *
 * <ul>
 *   <li>{@link dev.tasks.spi.support.LogSafe}: loggers that escape untrusted text (task names, queue names,
 *       payload fragments, server replies), so that one event is one log line whatever a message holds;</li>
 *   <li>{@link dev.tasks.spi.support.GroupCommit}: callers that arrive while a write is in flight go out
 *       together in the next one (one round trip, one commit);</li>
 *   <li>{@link dev.tasks.spi.support.Ids}: time-ordered task ids;</li>
 *   <li>{@link dev.tasks.spi.support.ServiceFiles}: reading {@code META-INF/services} entries with one-line
 *       errors that name the class and the file;</li>
 *   <li>{@link dev.tasks.spi.support.Durations}: the one reading of a duration ({@code 30s}, {@code PT5M});</li>
 *   <li>{@link dev.tasks.spi.support.VirtualThreads}: virtual threads where the JVM has them, from a jar
 *       compiled for Java 17.</li>
 * </ul>
 *
 * <p>Modules of this project use these classes instead of each other's {@code internal} packages; an
 * architecture test keeps it so.
 */
package dev.tasks.spi.support;
