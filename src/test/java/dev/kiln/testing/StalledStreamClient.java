package dev.kiln.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A stream client that stops reading after its handshake, on a plain socket with a small receive
 * buffer: a slow consumer whose buffers cannot swallow a flood (the kernel's autotuning may grow a
 * loopback socket's to tens of megabytes). It still sends a pong every 100 ms, unasked, as
 * it cannot see the pings it does not read: what cuts it off is its slowness, not its silence
 * (with the tests' one-second pong timeout, silence would win the race).
 */
public final class StalledStreamClient implements AutoCloseable {

    private static final int RECEIVE_BUFFER = 16 * 1024;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Thread pongs;

    private StalledStreamClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.pongs = Thread.ofVirtual().unstarted(this::sendPongs);
    }

    /** Connects to the stream at {@code query} (say {@code ?ticket=…}) and reads nothing more than the handshake. */
    public static StalledStreamClient open(int port, String query) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(RECEIVE_BUFFER); // before connecting: it fixes the window, no autotuning
        socket.connect(new InetSocketAddress("localhost", port), 5_000);
        StalledStreamClient client = new StalledStreamClient(socket);
        client.handshake(port, query);
        client.pongs.start();
        return client;
    }

    private void handshake(int port, String query) throws IOException {
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        String request = "GET /api/v1/stream" + query + " HTTP/1.1\r\n"
                + "Host: localhost:" + port + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            head.write(in.readUnsignedByte()); // byte by byte: nothing after the headers is taken
        }
        String response = head.toString(StandardCharsets.US_ASCII);
        if (!response.startsWith("HTTP/1.1 101")) {
            throw new IOException("no upgrade: " + response);
        }
    }

    private void sendPongs() {
        try {
            while (!socket.isClosed()) {
                send("{\"type\":\"pong\",\"ts\":0}");
                Thread.sleep(100);
            }
        } catch (IOException | InterruptedException e) {
            // closed: nothing more to answer
        }
    }

    /** Sends one text message (masked, as a client must). */
    public synchronized void send(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81); // final fragment, text
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length <= 0xffff) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        } else {
            throw new IllegalArgumentException("message too long for this client");
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /**
     * Reads again, skipping every message, until the server's close frame: its status, or 1006
     * when the connection ends without one; a {@code SocketTimeoutException} after {@code patience}.
     */
    public int closeCode(Duration patience) throws IOException {
        socket.setSoTimeout((int) patience.toMillis());
        try {
            while (true) {
                int first = in.readUnsignedByte();
                int second = in.readUnsignedByte();
                if ((first & 0x70) != 0 || (second & 0x80) != 0) {
                    // Not a frame's start: a send cut off by its time limit left half a frame before
                    // the close, and a real client gives up on such a connection.
                    return 1006;
                }
                int opcode = first & 0x0f;
                long length = second & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                if (opcode == 0x8) {
                    return length >= 2 ? in.readUnsignedShort() : 1005;
                }
                in.skipNBytes(length);
            }
        } catch (EOFException | SocketException e) {
            return 1006;
        }
    }

    @Override
    public void close() throws IOException {
        pongs.interrupt();
        socket.close();
    }
}
