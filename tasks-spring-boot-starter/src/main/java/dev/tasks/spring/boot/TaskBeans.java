package dev.tasks.spring.boot;

import dev.tasks.TaskDefinitionException;
import dev.tasks.TaskModule;
import dev.tasks.TaskRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * The task implementations of a Spring application: every singleton bean whose class implements an interface
 * annotated {@link TaskModule} is registered as that interface's implementation, for the embedded worker.
 * Beans are looked up by type first, so only task beans are created here.
 */
final class TaskBeans {
    private TaskBeans() {}

    /**
     * The registry of the task beans.
     *
     * @throws TaskDefinitionException when two beans implement the same task interface (naming both), or a task
     *     interface is invalid
     */
    static TaskRegistry registry(ListableBeanFactory beans) {
        Map<Class<?>, String> owners = new LinkedHashMap<>();
        TaskRegistry.Builder registry = TaskRegistry.builder();
        for (String name : beans.getBeanNamesForType(Object.class, false, false)) {
            Class<?> type = beans.getType(name, false);
            if (type == null) {
                continue;
            }
            for (Class<?> iface : ClassUtils.getAllInterfacesForClassAsSet(type)) {
                if (!iface.isAnnotationPresent(TaskModule.class)) {
                    continue;
                }
                String previous = owners.putIfAbsent(iface, name);
                if (previous != null) {
                    throw new TaskDefinitionException("beans '" + previous + "' and '" + name + "' both implement the"
                            + " task interface " + iface.getName() + "; keep one, the worker cannot choose");
                }
                register(registry, iface, beans.getBean(name));
            }
        }
        return registry.build();
    }

    @SuppressWarnings("unchecked")
    private static <T> void register(TaskRegistry.Builder registry, Class<T> iface, Object bean) {
        registry.register(iface, (T) bean);
    }
}
