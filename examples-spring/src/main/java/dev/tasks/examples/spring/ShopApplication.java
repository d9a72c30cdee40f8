package dev.tasks.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The shop as a Spring Boot application: orders placed over HTTP ({@link OrderController}), a
 * {@code @Transactional} service that enqueues their follow-up tasks on commit ({@link OrderService}), and the
 * task beans run by the embedded worker ({@link OrderTasksBean}, {@link BillingTasksBean}). There is no tasks
 * wiring in the code: the starter configures the broker, the client and the worker from
 * {@code application.properties}.
 */
@SpringBootApplication
public class ShopApplication {
    public static void main(String[] args) {
        SpringApplication.run(ShopApplication.class, args);
    }
}
