package dev.parapet.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A person at the identity provider's sign-in pages, as a browser would be there (cookies, redirects,
 * forms), for tests and scripts that must go through the provider's own pages rather than around them:
 * opens a page, fills the login form ({@code kc-form-login}) with a username and password and submits
 * it, accepts a consent or device-confirmation form if one is shown, and follows redirects until it
 * leaves the provider (the address it was sent to, e.g. a redirect URI carrying an authorization code)
 * or stops on a page of the provider's (the page's text).
 */
public final class BrowserSignIn {

    /** Where the browser ended: the first address outside the provider, or the provider's last page. */
    public record Outcome(URI leftTo, int status, String page) {

        /** The {@code code} parameter of the address it left to, or null. */
        public String code() {
            if (leftTo == null || leftTo.getRawQuery() == null) {
                return null;
            }
            Matcher matcher = Pattern.compile("(?:^|&)code=([^&]+)").matcher(leftTo.getRawQuery());
            return matcher.find() ? java.net.URLDecoder.decode(matcher.group(1), java.nio.charset.StandardCharsets.UTF_8) : null;
        }
    }

    /** A form that posts: its opening tag and its content. */
    private static final Pattern FORM = Pattern.compile("(<form[^>]*method=\"post\"[^>]*>)(.*?)</form>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern ACTION = Pattern.compile("action=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    /**
     * The provider's cookies, by name: one host, so a map does (the JDK's CookieManager drops the provider's
     * cookies on plain HTTP to a loopback address, where a browser keeps them).
     */
    private final Map<String, String> cookies = new LinkedHashMap<>();
    private final String providerBase;
    private final String stopAt;

    /** @param providerBase the identity provider's base address; leaving it ends the walk */
    public BrowserSignIn(String providerBase) {
        this(providerBase, null);
    }

    /**
     * @param providerBase the identity provider's base address; leaving it ends the walk
     * @param stopAt       an address prefix that ends the walk too although on the provider (an application of its own,
     *                     such as its account console, whose redirect URI carries the code), or null
     */
    public BrowserSignIn(String providerBase, String stopAt) {
        this.providerBase = providerBase;
        this.stopAt = stopAt;
    }

    /**
     * For scripts ({@code .ci/compose-check}): {@code BrowserSignIn PROVIDER-BASE START-ADDRESS USERNAME}, the password in
     * {@code PARAPET_SIGN_IN_PASSWORD} (never on a command line). Completes a device authorization (the address a
     * {@code parapet-agent login} or {@code bin/parapet-token} printed) or an authorization request; exits 0 when the
     * provider said it succeeded or sent the browser on, 1 otherwise, printing where it ended.
     */
    public static void main(String[] args) {
        if (args.length != 3 || System.getenv("PARAPET_SIGN_IN_PASSWORD") == null) {
            System.err.println("usage: PARAPET_SIGN_IN_PASSWORD=... BrowserSignIn PROVIDER-BASE START-ADDRESS USERNAME");
            System.exit(2);
        }
        Outcome outcome = new BrowserSignIn(args[0]).signIn(URI.create(args[1]), args[2], System.getenv("PARAPET_SIGN_IN_PASSWORD"));
        boolean succeeded = outcome.leftTo() != null
                || outcome.page() != null && outcome.page().toLowerCase(java.util.Locale.ROOT).contains("success");
        // The whole address it left to (an authorization code a script then hands to its application) only when asked.
        boolean whole = "true".equals(System.getenv("PARAPET_SIGN_IN_PRINT_ADDRESS"));
        System.out.println(outcome.leftTo() != null ? "left to " + (whole ? outcome.leftTo().toString()
                : outcome.leftTo().getScheme() + "://" + outcome.leftTo().getAuthority())
                : "page: " + outcome.page().substring(0, Math.min(300, outcome.page().length())));
        System.exit(succeeded ? 0 : 1);
    }

    /** Opens {@code start} and signs in there as {@code username}. */
    public Outcome signIn(URI start, String username, String password) {
        try {
            HttpResponse<String> response = get(start);
            boolean submitted = false;
            for (int step = 0; step < 20; step++) {
                if (response.statusCode() / 100 == 3) {
                    URI next = response.uri().resolve(response.headers().firstValue("Location").orElseThrow());
                    if (!next.toString().startsWith(providerBase) || stopAt != null && next.toString().startsWith(stopAt)) {
                        return new Outcome(next, response.statusCode(), null);
                    }
                    response = get(next);
                    continue;
                }
                Matcher form = FORM.matcher(response.body());
                if (!form.find()) {
                    return new Outcome(null, response.statusCode(), text(response.body()));
                }
                String body = form.group(2);
                Matcher action = ACTION.matcher(form.group(1));
                if (!action.find()) {
                    return new Outcome(null, response.statusCode(), text(response.body()));
                }
                URI target = response.uri().resolve(action.group(1).replace("&amp;", "&"));
                Map<String, String> fields = new LinkedHashMap<>();
                hiddenFields(body, fields);
                if (body.contains("name=\"password\"")) {
                    if (submitted) {
                        // The login form again after a submission: refused (the page says why).
                        return new Outcome(null, response.statusCode(), text(response.body()));
                    }
                    submitted = true;
                    fields.put("username", username);
                    fields.put("password", password);
                    fields.put("credentialId", "");
                } else if (body.contains("name=\"accept\"")) {
                    fields.put("accept", "Yes");
                }
                response = send(HttpRequest.newBuilder(target).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(IdentityProvider.form(fields))));
            }
            throw new IllegalStateException("More than 20 steps at the identity provider");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        request.timeout(Duration.ofSeconds(30));
        if (!cookies.isEmpty()) {
            request.header("Cookie", String.join("; ", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        for (String header : response.headers().allValues("Set-Cookie")) {
            String pair = header.split(";", 2)[0];
            int equals = pair.indexOf('=');
            if (equals > 0) {
                String name = pair.substring(0, equals).strip();
                String value = pair.substring(equals + 1).strip();
                boolean expired = header.toLowerCase(java.util.Locale.ROOT).contains("max-age=0") || value.isEmpty();
                if (expired) {
                    cookies.remove(name);
                } else {
                    cookies.put(name, value);
                }
            }
        }
        return response;
    }

    private static void hiddenFields(String page, Map<String, String> fields) {
        Matcher input = Pattern.compile("<input[^>]*type=\"hidden\"[^>]*>", Pattern.CASE_INSENSITIVE).matcher(page);
        while (input.find()) {
            Matcher name = Pattern.compile("name=\"([^\"]*)\"").matcher(input.group());
            Matcher value = Pattern.compile("value=\"([^\"]*)\"").matcher(input.group());
            if (name.find()) {
                fields.put(name.group(1), value.find() ? value.group(1).replace("&amp;", "&") : "");
            }
        }
    }

    /** The page's visible text, roughly: enough to assert on a message. */
    private static String text(String html) {
        return html.replaceAll("(?s)<script.*?</script>", " ").replaceAll("(?s)<style.*?</style>", " ")
                .replaceAll("<[^>]+>", " ").replaceAll("\\s+", " ").strip();
    }
}
