package dev.parapet.keys;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The security agent key and agent enrolment. */
@SpringBootApplication
public class KeyServiceApplication {

    public static void main(String[] args) {
        dev.parapet.kit.web.ReactorNettyFixes.apply();
        SpringApplication.run(KeyServiceApplication.class, args);
    }
}
