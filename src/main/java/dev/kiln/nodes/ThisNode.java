package dev.kiln.nodes;

import dev.kiln.support.Ids;
import java.io.IOException;
import java.net.InetAddress;
import org.springframework.stereotype.Component;

/**
 * This Kiln process among the nodes sharing a database: a name unique to this run (host plus a
 * random part, so a restarted node is a new one), on leases and on the notifications it sends.
 */
@Component
public class ThisNode {

    private final String id = hostName() + "-" + Ids.randomToken(8);

    public String id() {
        return id;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "node";
        }
    }
}
