package dev.parapet.kit.problem;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.parapet.kit.web.LoggedPaths;
import reactor.core.publisher.Mono;

/**
 * Every error of every Parapet API as {@code application/problem+json} (invariant 7): validation
 * errors list each field and its reason; unreadable bodies say what could not be read; unexpected
 * failures are logged here (the path with any agent credential masked, {@link LoggedPaths}) and
 * answered without internals.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandler.class);

    @Override
    protected Mono<ResponseEntity<Object>> handleWebExchangeBindException(WebExchangeBindException ex,
            HttpHeaders headers, HttpStatusCode status, ServerWebExchange exchange) {
        List<Map<String, String>> errors = ex.getFieldErrors().stream()
                .map(error -> Map.of("field", error.getField(),
                        "reason", error.getDefaultMessage() == null ? "invalid" : error.getDefaultMessage()))
                .toList();
        ProblemDetail problem = ex.getBody();
        problem.setTitle("Invalid input");
        problem.setDetail(errors.size() == 1 ? errors.get(0).get("field") + ": " + errors.get(0).get("reason")
                : errors.size() + " fields are invalid");
        problem.setProperty("errors", errors);
        return handleExceptionInternal(ex, problem, headers, status, exchange);
    }

    @Override
    protected Mono<ResponseEntity<Object>> handleServerWebInputException(ServerWebInputException ex,
            HttpHeaders headers, HttpStatusCode status, ServerWebExchange exchange) {
        ProblemDetail problem = ex.getBody();
        problem.setTitle("Unreadable request");
        Throwable cause = ex.getMostSpecificCause();
        problem.setDetail(ex.getReason() + (cause != ex && cause.getMessage() != null
                ? ": " + firstLine(cause.getMessage()) : ""));
        return handleExceptionInternal(ex, problem, headers, status, exchange);
    }

    @ExceptionHandler(Exception.class)
    Mono<ResponseEntity<Object>> unexpected(Exception ex, ServerWebExchange exchange) {
        // The path may carry an agent credential (DoH's /dns-query/<credential>): never log it.
        LOG.error("Unexpected failure answering {} {}", exchange.getRequest().getMethod(),
                LoggedPaths.mask(exchange.getRequest().getPath().value()), ex);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "The request failed on our side; it has been logged.");
        problem.setTitle("Internal error");
        return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, exchange);
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
