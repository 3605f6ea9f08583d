package dev.parapet.diagnostics;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;

import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/** diagnostics-service against the real broker and registry; every test class shares this one context. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "parapet.diagnostics.state-directory=target/streams/test-${random.uuid}",
        "parapet.diagnostics.query-log.directory=target/query-log/test-${random.uuid}",
        "parapet.diagnostics.query-log.max-delay=500ms",
        "parapet.diagnostics.heartbeat-timeout=" + DiagnosticsServiceSpringTest.HEARTBEAT_TIMEOUT,
        "parapet.diagnostics.findings-interval=1s",
        "parapet.diagnostics.configuration-grace=0s",
        "parapet.diagnostics.latest-agent-version=1.2.0",
        "parapet.diagnostics.relay-key=" + DiagnosticsServiceSpringTest.RELAY_KEY,
        // AccountSiemDestinationsTest runs its own exports of the destinations on the topic, in the accounts' groups.
        "parapet.diagnostics.siem.account-destinations=false"})
public @interface DiagnosticsServiceSpringTest {

    /** Short, so that a silent device's NO_HEARTBEAT is raised within a test. */
    String HEARTBEAT_TIMEOUT = "20s";

    /** The key the instances of a test share to sign the queries they pass on to each other (32 bytes, base64). */
    String RELAY_KEY = "cGFyYXBldC10ZXN0LXJlbGF5LWtleS0zMi1ieXRlcyE=";

    /** The same settings for a second instance started inside a test. */
    String[] SECOND_INSTANCE_ARGS = {
            "--server.port=0",
            "--parapet.diagnostics.heartbeat-timeout=" + HEARTBEAT_TIMEOUT,
            "--parapet.diagnostics.findings-interval=1s",
            "--parapet.diagnostics.configuration-grace=0s",
            "--parapet.diagnostics.latest-agent-version=1.2.0",
            "--parapet.diagnostics.relay-key=" + RELAY_KEY,
            "--parapet.diagnostics.siem.account-destinations=false"};
}
