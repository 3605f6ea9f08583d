package dev.parapet.kit.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.parapet.kit.KitTestApplication;
import dev.parapet.kit.agents.AgentCredentials;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/** An unexpected failure is logged, but never the agent credential its request carried in the path. */
@WithRealInfrastructure
@SpringBootTest(classes = KitTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProblemLoggingTest {

    @LocalServerPort
    int port;

    final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void capture() {
        captured.start();
        root.addAppender(captured);
    }

    @AfterEach
    void release() {
        root.detachAppender(captured);
    }

    @Test
    void aCredentialInThePathOfAFailedRequestNeverReachesTheLog() {
        String secret = "s3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3t";
        String credential = AgentCredentials.format(UUID.randomUUID(), secret);
        WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build()
                .get().uri("/dns-query/" + credential + "?dns=AAAB").exchange()
                .expectStatus().is5xxServerError();
        String logged = String.join("\n", captured.list.stream().map(event -> event.getFormattedMessage()
                + (event.getThrowableProxy() == null ? "" : " " + event.getThrowableProxy().getMessage())).toList());
        System.out.println("logged: " + logged);
        assertThat(logged).contains("Unexpected failure answering GET /dns-query/").doesNotContain(secret);
    }
}
