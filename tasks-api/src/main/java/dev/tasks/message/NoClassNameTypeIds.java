package dev.tasks.message;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator;

/**
 * The codec's last line of defence against messages that name a class: a Jackson
 * {@link PolymorphicTypeValidator} that denies every type id written as a Java class name
 * ({@code @JsonTypeInfo(use = CLASS)} or {@code MINIMAL_CLASS}, wherever it is declared: on a class, a
 * field, a creator parameter, a mix-in). Jackson asks it before it resolves such an id, so the base type
 * is refused when the deserializer is built and no class named by a message is ever loaded, let alone
 * constructed. Logical type names ({@code @JsonTypeInfo(use = NAME)} with {@code @JsonSubTypes}) never
 * consult it and keep working. {@link dev.tasks.TaskRegistry} refuses such types at registration already
 * ({@link ClassNameTypingCheck}); this catches whatever that walk could not see. Stateless, thread-safe.
 */
final class NoClassNameTypeIds extends PolymorphicTypeValidator.Base {
    private static final long serialVersionUID = 1L;

    static final NoClassNameTypeIds INSTANCE = new NoClassNameTypeIds();

    private NoClassNameTypeIds() {}

    @Override
    public Validity validateBaseType(MapperConfig<?> config, JavaType baseType) {
        return Validity.DENIED;
    }

    @Override
    public Validity validateSubClassName(MapperConfig<?> config, JavaType baseType, String subClassName) {
        return Validity.DENIED;
    }

    @Override
    public Validity validateSubType(MapperConfig<?> config, JavaType baseType, JavaType subType) {
        return Validity.DENIED;
    }

    /** Whether {@code t} or one of its causes is Jackson refusing a type id because of this validator. */
    static boolean deniedBy(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && m.contains(NoClassNameTypeIds.class.getName())) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }
}
