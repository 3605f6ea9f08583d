package dev.parapet.settings;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Agent settings, tamper protection, policies, locations, exceptions, groups. */
@SpringBootApplication
public class SettingsServiceApplication {

    public static void main(String[] args) {
        dev.parapet.kit.web.ReactorNettyFixes.apply();
        SpringApplication.run(SettingsServiceApplication.class, args);
    }
}
