package dev.tasks;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface whose {@link Task} methods form one module of tasks, e.g. {@code orders}.
 *
 * <p>The module name prefixes the default task names ({@code orders.sendOrderConfirmation}); the
 * default queue is used when no routing rule matches a task of this module.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface TaskModule {

    /** The module name: letters, digits, {@code _}, {@code -}; dots separate sub-modules. */
    String value();

    /** The queue for this module's tasks when no routing rule matches; empty: {@code default}. */
    String queue() default "";
}
