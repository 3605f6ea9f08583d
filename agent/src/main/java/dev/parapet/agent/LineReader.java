package dev.parapet.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Lines of an event stream as the SSE spec ends them (CRLF, LF or a lone CR), with a bound on a
 * line's length: {@code BufferedReader.readLine} would hold a line of any length a server sends.
 */
final class LineReader {

    private final InputStream in;
    private final int maxLineBytes;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private boolean skipLf;

    LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line, or null at the end of the stream (a last unterminated line is dropped, as the spec says). */
    String next() throws IOException {
        line.reset();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            if (skipLf) {
                skipLf = false;
                if (b == '\n') {
                    continue;
                }
            }
            if (b == '\n') {
                return text();
            }
            if (b == '\r') {
                skipLf = true;
                return text();
            }
            if (line.size() >= maxLineBytes) {
                throw new IOException("a line over " + maxLineBytes + " bytes");
            }
            line.write(b);
        }
    }

    private String text() {
        return line.toString(StandardCharsets.UTF_8);
    }
}
