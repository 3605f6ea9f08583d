package dev.parapet.diagnostics.web;

import java.net.URI;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebFilter;

/**
 * The operations dashboard at {@code /dashboard}: a static page and script (in {@code static/dashboard})
 * that read the account's live stream and reports with the administrator's token. The page holds
 * no data; it is served with a strict Content-Security-Policy (nothing but this origin, no inline script).
 */
@Configuration
public class DashboardPage {

    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    @Bean
    RouterFunction<ServerResponse> dashboardRoutes() {
        ClassPathResource page = new ClassPathResource("static/dashboard/index.html");
        return RouterFunctions.route()
                .GET("/", request -> ServerResponse.status(HttpStatus.FOUND).location(URI.create("/dashboard")).build())
                .GET("/dashboard", request -> ServerResponse.ok().contentType(MediaType.TEXT_HTML).bodyValue(page))
                .build();
    }

    @Bean
    WebFilter dashboardHeaders() {
        return (exchange, chain) -> {
            String path = exchange.getRequest().getPath().value();
            if (path.equals("/dashboard") || path.startsWith("/dashboard/")) {
                exchange.getResponse().getHeaders().set("Content-Security-Policy", POLICY);
                exchange.getResponse().getHeaders().set("Referrer-Policy", "no-referrer");
            }
            return chain.filter(exchange);
        };
    }
}
