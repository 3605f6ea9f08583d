package dev.parapet.diagnostics;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Agent telemetry, device inventory, reports and the ops dashboard. */
@SpringBootApplication
public class DiagnosticsServiceApplication {

    public static void main(String[] args) {
        dev.parapet.kit.web.ReactorNettyFixes.apply();
        SpringApplication.run(DiagnosticsServiceApplication.class, args);
    }
}
