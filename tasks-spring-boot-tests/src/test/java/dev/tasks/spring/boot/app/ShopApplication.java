package dev.tasks.spring.boot.app;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The application of these tests: no tasks wiring at all, only the starter and {@code tasks.*} properties. */
@SpringBootApplication
public class ShopApplication {}
