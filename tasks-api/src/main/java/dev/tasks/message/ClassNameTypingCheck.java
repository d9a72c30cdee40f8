package dev.tasks.message;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.AnnotationIntrospector;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.AnnotatedClass;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.AnnotatedMethod;
import com.fasterxml.jackson.databind.introspect.AnnotatedParameter;
import com.fasterxml.jackson.databind.introspect.AnnotatedWithParams;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds where a type would let JSON name the Java class to create: a {@code @JsonTypeInfo(use = CLASS)}
 * or {@code MINIMAL_CLASS}, on the type's class or a supertype, on a field, getter, setter or creator
 * parameter, or through a mix-in registered on the mapper, anywhere the type reaches: properties,
 * any-setters, creator parameters, builders, elements of arrays and collections, map keys and values,
 * {@code Optional} contents, bound generic parameters and the registered subtypes of a {@code NAME}-typed
 * base. Default
 * typing switched on in the mapper counts too. Logical type names ({@code use = NAME} with
 * {@code @JsonSubTypes}), {@code DEDUCTION} and untyped {@code Object} (read as maps, lists and scalars)
 * are fine.
 *
 * <p>{@link dev.tasks.TaskRegistry} runs it over every parameter and return type so such a task fails at
 * registration, naming the path ({@code parameter w -> field inner}). The codec's mapper denies class-name
 * type ids anyway, whatever this walk misses. {@link #find} is thread-safe (each call walks with its own
 * state).
 */
public final class ClassNameTypingCheck {

    private final DeserializationConfig config;
    private final AnnotationIntrospector introspector;
    private final Set<JavaType> seen = new HashSet<>();

    private ClassNameTypingCheck(ObjectMapper mapper) {
        this.config = mapper.getDeserializationConfig();
        this.introspector = config.getAnnotationIntrospector();
    }

    /**
     * Where {@code type}, read by {@code mapper}, takes a class name as type id.
     *
     * @param root what {@code type} is, to start the path with (e.g. {@code parameter w})
     * @return the path and the reason ({@code parameter w -> field inner: annotated
     *     @JsonTypeInfo(use = CLASS)}), or empty when nothing in the type names a class
     */
    public static Optional<String> find(ObjectMapper mapper, JavaType type, String root) {
        if (mapper.getDeserializationConfig().getDefaultTyper(type) != null) {
            return Optional.of(root + ": the mapper has Jackson's default typing on, which reads class names");
        }
        return Optional.ofNullable(new ClassNameTypingCheck(mapper).walk(type, root));
    }

    private String walk(JavaType type, String path) {
        if (type == null || type.isPrimitive() || !seen.add(type)) {
            return null;
        }
        Class<?> raw = type.getRawClass();
        AnnotatedClass annotated = config.introspectClassAnnotations(type).getClassInfo();
        JsonTypeInfo.Value typeInfo = introspector.findPolymorphicTypeInfo(config, annotated);
        if (namesClass(typeInfo)) {
            return path + ": " + raw.getName() + " is annotated @JsonTypeInfo(use = " + typeInfo.getIdType() + ")";
        }
        if (type.isMapLikeType()) {
            String found = walk(type.getKeyType(), path + " -> map key");
            return found != null ? found : walk(type.getContentType(), path + " -> map value");
        }
        if (type.isArrayType() || type.isCollectionLikeType() || type.isReferenceType()) {
            return walk(type.getContentType(), path + (type.isReferenceType() ? " -> content" : " -> element"));
        }
        if (typeInfo != null && typeInfo.getIdType() != JsonTypeInfo.Id.NONE) {
            for (NamedType sub : config.getSubtypeResolver().collectAndResolveSubtypesByTypeId(config, annotated)) {
                if (sub.getType() != raw && raw.isAssignableFrom(sub.getType())) {
                    JavaType subType = config.getTypeFactory().constructSpecializedType(type, sub.getType());
                    String found = walk(subType, path + " -> subtype " + (sub.hasName() ? sub.getName()
                            : sub.getType().getSimpleName()));
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        if (raw == Object.class || raw.isEnum() || isPlatformType(raw)) {
            return null; // read by Jackson's standard deserializers, which take no type ids of their own
        }
        BeanDescription bean = config.introspect(type);
        for (BeanPropertyDefinition property : bean.findProperties()) {
            String at = path + " -> field " + property.getName();
            String found = annotated(at, property.getField());
            found = found != null ? found : annotated(at, property.getGetter());
            found = found != null ? found : annotated(at, property.getSetter());
            for (Iterator<AnnotatedParameter> it = property.getConstructorParameters(); found == null && it.hasNext(); ) {
                found = annotated(at, it.next());
            }
            found = found != null ? found : walk(property.getPrimaryType(), at);
            if (found != null) {
                return found;
            }
        }
        AnnotatedMember anySetter = bean.findAnySetterAccessor();
        if (anySetter != null) {
            String at = path + " -> any property";
            JavaType valueType = anySetter instanceof AnnotatedMethod m && m.getParameterCount() == 2
                    ? m.getParameterType(1) : anySetter.getType().getContentType();
            String found = annotated(at, anySetter);
            found = found != null ? found : walk(valueType, at);
            if (found != null) {
                return found;
            }
        }
        List<AnnotatedWithParams> creators = new ArrayList<>(bean.getConstructors());
        creators.addAll(bean.getFactoryMethods());
        for (AnnotatedWithParams creator : creators) {
            for (int i = 0; i < creator.getParameterCount(); i++) {
                AnnotatedParameter p = creator.getParameter(i);
                String at = path + " -> creator parameter " + i;
                String found = annotated(at, p);
                found = found != null ? found : walk(p.getType(), at);
                if (found != null) {
                    return found;
                }
            }
        }
        Class<?> builder = bean.findPOJOBuilder();
        return builder == null ? null : walk(config.constructType(builder), path + " -> builder");
    }

    /** The finding when {@code member} itself (or its mix-in) declares a class-name type id. */
    private String annotated(String path, AnnotatedMember member) {
        if (member == null) {
            return null;
        }
        JsonTypeInfo.Value info = introspector.findPolymorphicTypeInfo(config, member);
        return namesClass(info) ? path + ": annotated @JsonTypeInfo(use = " + info.getIdType() + ")" : null;
    }

    private static boolean namesClass(JsonTypeInfo.Value info) {
        return info != null && (info.getIdType() == JsonTypeInfo.Id.CLASS
                || info.getIdType() == JsonTypeInfo.Id.MINIMAL_CLASS);
    }

    private static boolean isPlatformType(Class<?> raw) {
        String n = raw.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.")
                || n.startsWith("com.fasterxml.jackson.");
    }
}
