package dev.parapet.keys;

import org.springframework.boot.test.context.SpringBootTest;

import dev.parapet.kit.testing.ServiceStartsContract;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class KeyServiceStartsTest extends ServiceStartsContract {
}
