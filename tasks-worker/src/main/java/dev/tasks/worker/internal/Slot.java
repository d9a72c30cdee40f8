package dev.tasks.worker.internal;

/**
 * One execution slot. A slot whose thread was abandoned past a hard time limit is retired: its thread
 * exits whenever the task finally returns, and a fresh slot takes its place.
 */
final class Slot {
    final int index;
    final String name;
    /** Set when the run on this slot was abandoned; the thread exits once the task returns. */
    volatile boolean abandoned;
    /** A run abandoned on the slot this one replaces, to settle before taking new work. */
    final Run inherited;

    Slot(int index, String name, Run inherited) {
        this.index = index;
        this.name = name;
        this.inherited = inherited;
    }
}
