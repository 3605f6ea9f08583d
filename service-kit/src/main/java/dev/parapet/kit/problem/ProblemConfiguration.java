package dev.parapet.kit.problem;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Import;

/** Registers the problem handler for every service. */
@AutoConfiguration(beforeName = "org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration")
@Import(ProblemHandler.class)
public class ProblemConfiguration {
}
