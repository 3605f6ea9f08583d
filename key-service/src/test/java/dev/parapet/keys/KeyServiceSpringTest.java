package dev.parapet.keys;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;

import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/**
 * key-service against the real broker and registry, with test secrets and limits. Every test class
 * of this module uses the same settings, so they share one application context (two contexts in
 * one JVM would be two instances of the command processor, which is a test of its own).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        KeyServiceSpringTest.ENCRYPTION_KEY, KeyServiceSpringTest.CURRENT_KEY,
        "parapet.keys.state-directory=target/streams/test-${random.uuid}",
        "parapet.keys.enrolments-per-key-per-minute=6",
        // Low enough for EnrolmentClientAddressTest to reach from its own loopback addresses, above what the other tests send from 127.0.0.1.
        "parapet.keys.enrolments-per-address-per-minute=" + KeyServiceSpringTest.PER_ADDRESS,
        // 127.0.0.2 plays a load balancer (EnrolmentClientAddressTest connects from it).
        "parapet.web.trusted-proxies=" + KeyServiceSpringTest.TRUSTED_PROXY,
        "parapet.keys.region-urls.eu=http://127.0.0.1:18101"})
public @interface KeyServiceSpringTest {

    String ENCRYPTION_KEY = "parapet.keys.encryption-keys.test1=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    String CURRENT_KEY = "parapet.keys.current-encryption-key=test1";
    int PER_ADDRESS = 50;
    String TRUSTED_PROXY = "127.0.0.2";
}
