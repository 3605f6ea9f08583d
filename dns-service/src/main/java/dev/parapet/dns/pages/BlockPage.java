package dev.parapet.dns.pages;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import dev.parapet.dns.pages.BlockNotices.Kind;
import dev.parapet.dns.pages.BlockNotices.Notice;

/**
 * The HTML of the block-page server: self-contained (one inline style, allowed by its hash in
 * {@link #CONTENT_SECURITY_POLICY}, no scripts, no external resources) and every value escaped, since
 * names, reasons and policy names come from outside.
 */
final class BlockPage {

    private static final String STYLE = "body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1d2330}"
            + "main{max-width:36rem;margin:8vh auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}"
            + ".brand{margin:0;color:#5b6475;font-size:.85rem;letter-spacing:.1em;text-transform:uppercase}"
            + "h1{font-size:1.4rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}"
            + "dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}dt{color:#5b6475}dd{margin:0;overflow-wrap:anywhere}"
            + "button{font:inherit;padding:.5rem 1rem;border:1px solid #a33;border-radius:4px;background:#fff;color:#a33;cursor:pointer}"
            + ".note{color:#5b6475;font-size:.9rem}"
            + "label{display:block;margin:1.5rem 0 .3rem}textarea{box-sizing:border-box;width:100%;font:inherit;padding:.4rem;"
            + "border:1px solid #8a93a6;border-radius:4px}form button{margin-top:.5rem}";

    /** Nothing loads but the one inline style; the form posts only here; no framing. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'sha256-" + sha256Base64(STYLE)
            + "'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private BlockPage() {
    }

    /** What Parapet did to the host for this client, with a "Continue" form for a warning. */
    static String forNotice(String host, Notice notice, String continueToken) {
        return forNotice(host, notice, continueToken, null);
    }

    /**
     * What Parapet did to the host for this client, with a "Continue" form for a warning and, for a block, an "Ask for
     * access" form when {@code requestTicket} is given.
     */
    static String forNotice(String host, Notice notice, String continueToken, String requestTicket) {
        boolean warned = notice.kind() == Kind.WARNED;
        List<String> categories = notice.categories() == null ? List.of() : notice.categories();
        StringBuilder body = new StringBuilder()
                .append("<h1>").append(warned ? "Warning: " : "Blocked: ").append(escape(host)).append("</h1>")
                .append("<p>").append(warned
                        ? "Your organisation advises against visiting this site."
                        : "Your organisation does not allow this site.").append("</p>")
                .append("<dl>")
                .append(row("Site", host))
                .append(row("Outcome", notice.kind().name()))
                .append(row("Reason", orDash(notice.reason())))
                .append(row(categories.size() > 1 ? "Categories" : "Category", categories(categories)))
                .append(row("Policy", orDash(notice.policyName())))
                .append("</dl>");
        if (warned && continueToken != null) {
            body.append("<form method=\"post\" action=\"/continue\">")
                    .append("<input type=\"hidden\" name=\"token\" value=\"").append(escape(continueToken)).append("\">")
                    .append("<button type=\"submit\">Continue to ").append(escape(host)).append("</button></form>");
        }
        if (!warned && requestTicket != null) {
            body.append("<form method=\"post\" action=\"/request-access\">")
                    .append("<input type=\"hidden\" name=\"ticket\" value=\"").append(escape(requestTicket)).append("\">")
                    .append("<label for=\"reason\">Need this site for your work? Tell your administrator why:</label>")
                    .append("<textarea id=\"reason\" name=\"reason\" rows=\"3\" maxlength=\"").append(AccessRequestOutbox.MAX_REASON)
                    .append("\" required></textarea>")
                    .append("<button type=\"submit\">Ask for access to ").append(escape(host)).append("</button></form>");
        }
        body.append("<p class=\"note\">If you think this is a mistake, tell your administrator what this page shows.</p>");
        return page(warned ? "Warning: " + host : "Blocked: " + host, body.toString());
    }

    /** After "Continue": the name resolves for this device for a while. */
    static String continuing(String host, Duration allowance, String scheme) {
        long minutes = Math.max(1, allowance.toMinutes());
        return page("Continuing to " + host, "<h1>Continuing to " + escape(host) + "</h1>"
                + "<p>This device may visit " + escape(host) + " for the next " + minutes + (minutes == 1 ? " minute" : " minutes")
                + ". <a href=\"" + escape(scheme + "://" + host + "/") + "\">Open " + escape(host) + "</a> or reload the page.</p>"
                + "<p class=\"note\">If this page shows again, the device still remembers the earlier answer: "
                + "wait a minute and reload.</p>");
    }

    /** After "Ask for access": the request went to the administrators. */
    static String requested(String host) {
        return page("Access requested: " + host, "<h1>Access requested: " + escape(host) + "</h1>"
                + "<p>Your request and your reason went to your administrators. If they approve it, " + escape(host)
                + " opens for you (and nobody else) for the time they choose: reload the page then.</p>"
                + "<p class=\"note\">A device may remember the earlier answer for a minute after the approval.</p>");
    }

    /** No recent block of the host for this client: the page cannot say more. */
    static String generic(String host) {
        String what = host == null ? "this site" : escape(host);
        return page("Not available", "<h1>Not available</h1><p>Parapet answered for " + what
                + ", but has no recent block of it for this device, so it cannot say why. Reload the page; if it stays, "
                + "ask your administrator.</p>");
    }

    /** An error the user can act on. */
    static String problem(String title, String detail) {
        return page(title, "<h1>" + escape(title) + "</h1><p>" + escape(detail) + "</p>");
    }

    private static String page(String title, String body) {
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"robots\" content=\"noindex\">"
                + "<title>" + escape(title) + "</title><style>" + STYLE + "</style></head><body><main>"
                + "<p class=\"brand\">Parapet</p>" + body + "</main></body></html>";
    }

    private static String row(String term, String value) {
        return "<dt>" + term + "</dt><dd>" + escape(value) + "</dd>";
    }

    private static String categories(List<String> categories) {
        return categories.isEmpty() ? "None (a list decided)" : String.join(", ", categories);
    }

    private static String orDash(String text) {
        return text == null || text.isBlank() ? "-" : text;
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String sha256Base64(String text) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
