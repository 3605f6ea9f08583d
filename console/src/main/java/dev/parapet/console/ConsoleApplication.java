package dev.parapet.console;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The Administration Console: administrators sign in at the identity provider and manage their account in a
 * browser. This application is the browser's only backend: it holds the administrator's tokens in its own
 * session (the browser gets an HttpOnly, SameSite cookie and a CSRF token, never a token) and relays the
 * pages' API calls to the services with them; the services stay the authority on what each role may do.
 */
@SpringBootApplication
@EnableConfigurationProperties(ConsoleProperties.class)
public class ConsoleApplication {

    public static void main(String[] args) {
        SpringApplication.run(ConsoleApplication.class, args);
    }
}
