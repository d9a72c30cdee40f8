package dev.tasks.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of a server, which a test breaks on purpose:
 * <ul>
 *   <li>{@link #cut()}: drops every connection; new ones are accepted and closed at once (refused);</li>
 *   <li>{@link #stall()}: connections stay open but no byte moves in either direction (a black hole);
 *       new ones are accepted and held silent;</li>
 *   <li>{@link #restore()}: traffic flows again (stalled connections are dropped, as a real network would
 *       after such an outage, and new connections go through).</li>
 * </ul>
 * Counts every accepted connection, and those refused while cut, so a test can see how often a client
 * tries to reconnect. For broker tests of connection loss.
 */
public final class TcpProxy implements AutoCloseable {
    private enum Mode { OPEN, CUT, STALL }

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final Object gate = new Object();
    private volatile Mode mode = Mode.OPEN;
    private volatile boolean closed;

    /** Listens on a free loopback port and forwards to {@code targetHost:targetPort}. */
    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(this::acceptLoop, "test-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    /** The port the proxy listens on (127.0.0.1). */
    public int port() {
        return server.getLocalPort();
    }

    /** Connections refused while the link was cut. */
    public int refused() {
        return refused.get();
    }

    /** Connections accepted since the proxy started (whatever happened to them). */
    public int accepted() {
        return accepted.get();
    }

    /** Drops every connection; new ones are refused (accepted and closed at once). */
    public void cut() {
        mode = Mode.CUT;
        dropAll();
    }

    /** Holds every connection silent. */
    public void stall() {
        mode = Mode.STALL;
    }

    /** Lets traffic flow again. */
    public void restore() {
        Mode was = mode;
        if (was == Mode.STALL) {
            dropAll();
        }
        synchronized (gate) {
            mode = Mode.OPEN;
            gate.notifyAll();
        }
    }

    private void dropAll() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            accepted.incrementAndGet();
            if (mode == Mode.CUT) {
                refused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            sockets.add(client);
            Thread t = new Thread(() -> connect(client), "test-proxy-connect");
            t.setDaemon(true);
            t.start();
        }
    }

    private void connect(Socket client) {
        try {
            awaitOpen();
            if (client.isClosed()) {
                return;
            }
            Socket upstream = new Socket(targetHost, targetPort);
            sockets.add(upstream);
            pump(client, upstream);
            pump(upstream, client);
        } catch (IOException | InterruptedException e) {
            closeQuietly(client);
        }
    }

    private void awaitOpen() throws InterruptedException {
        synchronized (gate) {
            while (mode != Mode.OPEN && !closed) {
                gate.wait(100);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    awaitOpen();
                    if (from.isClosed() || to.isClosed()) {
                        return;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // dropped
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "test-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        dropAll();
        server.close();
        synchronized (gate) {
            gate.notifyAll();
        }
    }
}
