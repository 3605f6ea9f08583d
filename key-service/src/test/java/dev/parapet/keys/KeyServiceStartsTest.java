package dev.parapet.keys;

import org.springframework.boot.test.context.SpringBootTest;

import dev.parapet.kit.testing.ServiceStartsContract;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        KeyServiceTest.ENCRYPTION_KEY, KeyServiceTest.CURRENT_KEY,
        "parapet.keys.state-directory=target/streams-key-service-test",
        "parapet.keys.enrolments-per-key-per-minute=6",
        "parapet.keys.enrolments-per-address-per-minute=10000",
        "parapet.keys.region-urls.eu=http://127.0.0.1:18101"})
class KeyServiceStartsTest extends ServiceStartsContract {
}
