package dev.parapet.stack;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpServer;

/** A child process for {@link SupervisorTest}: answers "UP" on its port; with "crash" as second argument it exits at once instead. */
public final class TinyHttpServer {

    private TinyHttpServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 1 && args[1].equals("crash")) {
            System.out.println("tiny server: refusing to start");
            System.exit(3);
        }
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 16);
        server.createContext("/", exchange -> {
            byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        System.out.println("tiny server: listening on " + args[0]);
    }
}
