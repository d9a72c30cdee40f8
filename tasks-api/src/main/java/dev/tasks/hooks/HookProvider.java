package dev.tasks.hooks;

/**
 * Registers hooks found on the class path: listed in {@code META-INF/services/dev.tasks.hooks.HookProvider},
 * a provider's hooks are added to every {@code Tasks} and {@code Worker} built without
 * {@code discoverHooks(false)}, after the hooks registered on the builder (so inside them). Must have a
 * public no-argument constructor.
 */
public interface HookProvider {

    /** Adds this provider's interceptors and listeners. */
    void register(Hooks.Builder hooks);
}
