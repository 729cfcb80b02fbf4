package dev.kiln.limits;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The address a per-client limit counts by. IPv4 addresses as they are; IPv6 ones by their /64
 * network, since one client commonly holds a whole /64 and could otherwise step around any limit.
 * Behind a reverse proxy, list it in {@code server.tomcat.remoteip.internal-proxies} so this is
 * the client's address rather than the proxy's (docs/deploy.md).
 */
public final class ClientAddress {

    private ClientAddress() {}

    public static String of(String remoteAddress) {
        if (remoteAddress == null || remoteAddress.indexOf(':') < 0) {
            return remoteAddress == null ? "unknown" : remoteAddress;
        }
        try {
            // A literal: parsed without any lookup.
            byte[] bytes = InetAddress.getByName(remoteAddress).getAddress();
            if (bytes.length != 16) {
                return remoteAddress;
            }
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff)))
                        .append(':');
            }
            return prefix.append(":/64").toString();
        } catch (UnknownHostException e) {
            return remoteAddress;
        }
    }
}
