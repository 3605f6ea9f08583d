package dev.parapet.settings;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;

import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/** settings-service against the real broker and registry; every test class shares this one context. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "parapet.settings.encryption-keys.test1=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "parapet.settings.current-encryption-key=test1",
        "parapet.settings.state-directory=target/streams/test-${random.uuid}",
        "parapet.settings.operator-accounts=" + SettingsServiceSpringTest.OPERATOR_ACCOUNT,
        "parapet.settings.quotas.profile-groups-per-account=" + SettingsServiceSpringTest.GROUPS_PER_ACCOUNT,
        "parapet.settings.quotas.streams-per-account=" + SettingsServiceSpringTest.STREAMS_PER_ACCOUNT,
        // Feeds are served on 127.0.0.1 by the tests themselves; look for subscriptions due every second.
        "parapet.settings.feeds.allow-private-addresses=true",
        "parapet.settings.feeds.check-every=1s",
        // The demo feeds of the repository, as the local stack subscribes to them.
        "parapet.settings.feeds.allowed-directories=../demo/feeds",
        "parapet.settings.propagation.enforced-wait=" + SettingsServiceSpringTest.ENFORCED_WAIT})

public @interface SettingsServiceSpringTest {

    /** The platform operator's account in tests: its Super and Full Administrators may import category feeds. */
    String OPERATOR_ACCOUNT = "00000000-0000-4000-8000-00000000face";

    /** Low quotas that a test reaches quickly; every test uses accounts of its own. */
    int GROUPS_PER_ACCOUNT = 5;
    int STREAMS_PER_ACCOUNT = 3;

    /** How long a write with ?wait=enforced waits at most in tests. */
    String ENFORCED_WAIT = "3s";
}
