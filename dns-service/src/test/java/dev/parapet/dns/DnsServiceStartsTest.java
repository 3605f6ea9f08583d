package dev.parapet.dns;

import org.springframework.boot.test.context.SpringBootTest;

import dev.parapet.kit.testing.ServiceStartsContract;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "parapet.dns.port=0")
class DnsServiceStartsTest extends ServiceStartsContract {
}
