package dev.tasks.spring;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.orm.jpa.persistenceunit.PersistenceManagedTypes;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The JPA variant of the Spring transaction tests: Hibernate behind a
 * {@code LocalContainerEntityManagerFactoryBean} (no {@code persistence.xml}), a {@code JpaTransactionManager}
 * with the application's {@code DataSource} set (so the transaction's JDBC connection is exposed to Spring's
 * JDBC support), and orders written with {@code EntityManager.persist} and a flush in the transaction.
 */
@Configuration
class JpaConfig {
    @Bean
    LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource dataSource) {
        LocalContainerEntityManagerFactoryBean f = new LocalContainerEntityManagerFactoryBean();
        f.setDataSource(dataSource);
        f.setPersistenceUnitName("spring-tasks-test");
        f.setManagedTypes(PersistenceManagedTypes.of(Order.class.getName()));
        f.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
        f.setJpaPropertyMap(Map.of("hibernate.hbm2ddl.auto", "none"));
        return f;
    }

    @Bean
    PlatformTransactionManager transactionManager(EntityManagerFactory emf, DataSource dataSource) {
        JpaTransactionManager tm = new JpaTransactionManager(emf);
        tm.setDataSource(dataSource);
        return tm;
    }

    @Bean
    OrderService.Store orderStore(EntityManagerFactory emf) {
        EntityManager em = SharedEntityManagerCreator.createSharedEntityManager(emf);
        return id -> {
            em.persist(new Order(id));
            em.flush();
        };
    }
}
