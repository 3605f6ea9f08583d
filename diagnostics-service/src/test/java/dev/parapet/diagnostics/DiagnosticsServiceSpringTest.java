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
        "parapet.diagnostics.state-directory=target/streams/test-${random.uuid}"})
public @interface DiagnosticsServiceSpringTest {
}
