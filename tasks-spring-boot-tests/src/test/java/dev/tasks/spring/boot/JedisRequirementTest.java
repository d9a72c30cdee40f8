package dev.tasks.spring.boot;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tasks.ConfigurationException;
import org.junit.jupiter.api.Test;

/** An application left on Boot 3.5's jedis 6 gets one start-up error naming the property that fixes it. */
class JedisRequirementTest {

    @Test
    void a_class_path_without_jedis_8_is_refused_with_the_fix() {
        ClassLoader jedis6 = new ClassLoader(getClass().getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(JedisRequirement.REQUIRED_CLASS)) {
                    throw new ClassNotFoundException(name);
                }
                return super.loadClass(name, resolve);
            }
        };
        assertThatThrownBy(() -> JedisRequirement.check(jedis6)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("needs jedis 8")
                .hasMessageContaining("<jedis.version>8.0.2</jedis.version>");
    }
}
