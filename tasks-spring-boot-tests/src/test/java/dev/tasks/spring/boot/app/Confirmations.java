package dev.tasks.spring.boot.app;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.springframework.stereotype.Component;

/** What the task bean did, for the tests to count. */
@Component
public class Confirmations {
    public final List<Long> confirmed = new CopyOnWriteArrayList<>();
    public final CountDownLatch slowStarted = new CountDownLatch(1);
    public final CountDownLatch slowRelease = new CountDownLatch(1);
}
