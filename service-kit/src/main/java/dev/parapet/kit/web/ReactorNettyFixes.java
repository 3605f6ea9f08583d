package dev.parapet.kit.web;

/**
 * Settings every service's Reactor Netty server needs before its first request, applied from each
 * service's {@code main} (and, for the tests' in-process servers, by Surefire's system properties).
 *
 * <p>{@code reactor.netty.http.server.lastFlushWhenNoRead=true}: Reactor Netty 1.3 up to at least
 * 1.3.7 can leave an HTTP/1.1 keep-alive request unanswered for ever when the client sends it
 * promptly after the previous response, before that request's operations have terminated: the
 * request is buffered and the connection never reads again (reactor-netty#4361, fixed by #4347
 * after the versions this build can use). Administrators' clients and agents reuse connections,
 * so this hung one write in about five runs of settings-service's {@code TwoInstancesTest}. With
 * the property set, the previous operations terminate before the next request is looked at and
 * it is dispatched at once (as #4347's author measured). Remove when Reactor Netty carries the fix.
 */
public final class ReactorNettyFixes {

    public static final String LAST_FLUSH_WHEN_NO_READ = "reactor.netty.http.server.lastFlushWhenNoRead";

    private ReactorNettyFixes() {
    }

    /** Sets what is not set already (an operator's -D wins). */
    public static void apply() {
        if (System.getProperty(LAST_FLUSH_WHEN_NO_READ) == null) {
            System.setProperty(LAST_FLUSH_WHEN_NO_READ, "true");
        }
    }
}
