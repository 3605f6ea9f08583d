package dev.parapet.kit.problem;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The errors a Parapet API answers with, as RFC 9457 problem details. Throw what these return; the
 * problem handler writes it as {@code application/problem+json}.
 */
public final class Problems {

    /** One rejected input: which field (a JSON path, or a line number for bulk text) and why. */
    public record FieldError(String field, String reason) {
    }

    private Problems() {
    }

    public static ErrorResponseException of(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return new ErrorResponseException(status, problem, null);
    }

    public static ErrorResponseException badRequest(String detail) {
        return of(HttpStatus.BAD_REQUEST, "Bad request", detail);
    }

    public static ErrorResponseException invalid(List<FieldError> errors) {
        ErrorResponseException exception = of(HttpStatus.BAD_REQUEST, "Invalid input",
                errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).reason()
                        : errors.size() + " fields are invalid");
        exception.getBody().setProperty("errors", errors.stream()
                .map(error -> Map.of("field", error.field(), "reason", error.reason())).toList());
        return exception;
    }

    public static ErrorResponseException invalid(String field, String reason) {
        return invalid(List.of(new FieldError(field, reason)));
    }

    public static ErrorResponseException forbidden(String detail) {
        return of(HttpStatus.FORBIDDEN, "Forbidden", detail);
    }

    public static ErrorResponseException notFound(String detail) {
        return of(HttpStatus.NOT_FOUND, "Not found", detail);
    }

    public static ErrorResponseException conflict(String detail) {
        return of(HttpStatus.CONFLICT, "Conflict", detail);
    }

    public static ErrorResponseException preconditionFailed(String detail) {
        return of(HttpStatus.PRECONDITION_FAILED, "Precondition failed", detail);
    }

    public static ErrorResponseException tooManyRequests(String detail) {
        return of(HttpStatus.TOO_MANY_REQUESTS, "Too many requests", detail);
    }

    public static ErrorResponseException unavailable(String detail) {
        return of(HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable", detail);
    }
}
