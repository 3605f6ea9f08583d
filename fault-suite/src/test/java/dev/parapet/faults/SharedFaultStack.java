package dev.parapet.faults;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.parapet.stack.Dnsmasq;

/**
 * One single-broker {@link FaultStack}, with dnsmasq as dns-service's upstream, shared by the test classes that leave
 * it working (they kill and restart services, attack them, poison their topics, but every service is healthy again
 * when they end): started by the first of them and closed when the suite's JVM is done, so the suite starts a whole
 * stack once for them instead of once each. Each class works in accounts of its own. The classes that need another
 * stack (three brokers, a locked-down broker) start theirs and run first ({@code @Order}), so that this one is not
 * left idling beside theirs.
 */
final class SharedFaultStack implements BeforeAllCallback {

    /** Marks a test class that uses the shared stack ({@link #stack()}). */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @ExtendWith(SharedFaultStack.class)
    @interface WithSharedStack {
    }

    /** dnsmasq's answer for PropagationTest's names (propagation.test and below); every name not listed is refused. */
    static final String UPSTREAM_ANSWER = "198.51.100.7";
    /** dnsmasq's answer for TunnelBlockTest's domain (tunnel.test and below). */
    static final String TUNNEL_ANSWER = "198.51.100.8";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedFaultStack.class);

    /** The stack and its upstream, closed together. */
    record Shared(Path data, Dnsmasq upstream, FaultStack stack) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            stack.close();
            upstream.close();
        }
    }

    private static volatile Shared current;

    @Override
    public void beforeAll(ExtensionContext context) {
        current = context.getRoot().getStore(NAMESPACE).computeIfAbsent(Shared.class, type -> start(), Shared.class);
    }

    static FaultStack stack() {
        Shared shared = current;
        if (shared == null) {
            throw new IllegalStateException("No shared stack: annotate the test class with @WithSharedStack");
        }
        return shared.stack();
    }

    static Dnsmasq upstream() {
        return current.upstream();
    }

    private static Shared start() {
        Path data = Path.of("target", "fault-stack-" + ProcessHandle.current().pid()).toAbsolutePath();
        Dnsmasq upstream = null;
        try {
            upstream = new Dnsmasq(data.resolve("dnsmasq"), List.of("address=/propagation.test/" + UPSTREAM_ANSWER,
                    "address=/tunnel.test/" + TUNNEL_ANSWER));
            FaultStack stack = FaultStack.start(data, 1, List.of("--parapet.dns.upstreams=127.0.0.1:" + upstream.port()));
            return new Shared(data, upstream, stack);
        } catch (Exception e) {
            if (upstream != null) {
                try {
                    upstream.close();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            throw new IllegalStateException("the shared fault stack did not start", e);
        }
    }
}
