package dev.parapet.stack;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Path;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a real Kafka broker (KRaft) and a real Apicurio Registry, started once per test
 * JVM on free loopback ports and stopped when the JVM's tests are done. The Spring properties that
 * point a service at them are set as system properties, so a {@code @SpringBootTest} declared after
 * this extension connects to them.
 *
 * <p>By default both run as child processes (no Docker needed). With
 * {@code -Dparapet.infrastructure=testcontainers} and a Docker engine, they run as containers instead.
 */
public final class RealInfrastructure implements BeforeAllCallback {

    /** Marks a test class that needs the real infrastructure. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @ExtendWith(RealInfrastructure.class)
    public @interface WithRealInfrastructure {
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RealInfrastructure.class);

    private static volatile Infrastructure current;

    @Override
    public void beforeAll(ExtensionContext context) {
        Infrastructure infrastructure = context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(Infrastructure.class, type -> start(), Infrastructure.class);
        current = infrastructure;
        infrastructure.springProperties().forEach(System::setProperty);
    }

    /** The infrastructure of this JVM's tests; only valid inside a test class that uses the extension. */
    public static Infrastructure get() {
        Infrastructure infrastructure = current;
        if (infrastructure == null) {
            throw new IllegalStateException("No infrastructure: annotate the test class with @WithRealInfrastructure");
        }
        return infrastructure;
    }

    private static Infrastructure start() {
        Path directory = Path.of("target", "parapet-infrastructure-" + ProcessHandle.current().pid()).toAbsolutePath();
        if ("testcontainers".equals(System.getProperty("parapet.infrastructure"))) {
            if (!ContainerInfrastructure.dockerAvailable()) {
                throw new IllegalStateException("parapet.infrastructure=testcontainers, but no Docker engine answers");
            }
            return ContainerInfrastructure.start(directory);
        }
        return ProcessInfrastructure.start(directory);
    }
}
