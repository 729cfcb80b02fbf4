package dev.kiln.webhooks;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Which addresses a webhook may not reach unless an admin allows its host: everything that is not
 * a public unicast address of the internet (IANA's special-purpose registries), so a URL cannot
 * make Kiln call a service on its own machine, its network or its cloud's metadata endpoint.
 * IPv6 forms that carry an IPv4 address (NAT64, 6to4) are judged by that address.
 */
final class Addresses {

    /** A range of addresses and why it is refused. */
    private record Range(byte[] prefix, int bits, String reason) {

        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int whole = bits / 8;
            if (!Arrays.equals(address, 0, whole, prefix, 0, whole)) {
                return false;
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[whole] & mask) == (prefix[whole] & mask);
        }
    }

    /** Cloud metadata services, named as such (they are also link-local, unique-local or shared). */
    private static final List<Range> METADATA = List.of(
            range("169.254.169.254/32", "metadata"),
            range("fd00:ec2::254/128", "metadata"),
            range("100.100.100.200/32", "metadata"));

    private static final List<Range> REFUSED = List.of(
            range("0.0.0.0/8", "unspecified"),
            range("10.0.0.0/8", "private"),
            range("100.64.0.0/10", "shared"),
            range("127.0.0.0/8", "loopback"),
            range("169.254.0.0/16", "link-local"),
            range("172.16.0.0/12", "private"),
            range("192.0.0.0/24", "reserved"),
            range("192.0.2.0/24", "documentation"),
            range("192.88.99.0/24", "reserved"),
            range("192.168.0.0/16", "private"),
            range("198.18.0.0/15", "benchmarking"),
            range("198.51.100.0/24", "documentation"),
            range("203.0.113.0/24", "documentation"),
            range("224.0.0.0/4", "multicast"),
            range("240.0.0.0/4", "reserved"),
            range("::/128", "unspecified"),
            range("::1/128", "loopback"),
            range("::/96", "reserved"),
            range("::ffff:0:0/96", "reserved"),
            range("100::/64", "reserved"),
            range("2001::/32", "reserved"),
            range("2001:db8::/32", "documentation"),
            range("2001:10::/28", "reserved"),
            range("2001:20::/28", "reserved"),
            range("fc00::/7", "unique-local"),
            range("fe80::/10", "link-local"),
            range("fec0::/10", "private"),
            range("ff00::/8", "multicast"));

    /** IPv6 prefixes whose last (or given) four bytes are an IPv4 address: NAT64 and 6to4. */
    private static final Range NAT64 = range("64:ff9b::/96", "");

    private static final Range NAT64_LOCAL = range("64:ff9b:1::/48", "");
    private static final Range SIX_TO_FOUR = range("2002::/16", "");

    private Addresses() {}

    /** Why {@code address} may not be reached ({@code loopback}, {@code private}, {@code metadata}…), or null when it is public. */
    static String refusal(InetAddress address) {
        byte[] bytes = address.getAddress();
        for (Range r : METADATA) {
            if (r.contains(bytes)) {
                return r.reason();
            }
        }
        if (NAT64.contains(bytes) || NAT64_LOCAL.contains(bytes)) {
            return refusal(v4(bytes, 12));
        }
        if (SIX_TO_FOUR.contains(bytes)) {
            return refusal(v4(bytes, 2));
        }
        for (Range r : REFUSED) {
            if (r.contains(bytes)) {
                return r.reason();
            }
        }
        // Whatever the table might miss, the JDK knows these kinds by name.
        if (address.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (address.isLoopbackAddress()) {
            return "loopback";
        }
        if (address.isLinkLocalAddress()) {
            return "link-local";
        }
        if (address.isSiteLocalAddress()) {
            return "private";
        }
        if (address.isMulticastAddress()) {
            return "multicast";
        }
        return null;
    }

    private static InetAddress v4(byte[] bytes, int from) {
        try {
            return Inet4Address.getByAddress(Arrays.copyOfRange(bytes, from, from + 4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes always make an address
        }
    }

    private static Range range(String cidr, String reason) {
        int slash = cidr.indexOf('/');
        try {
            // Literals only: no name is looked up.
            byte[] prefix = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
            if (cidr.startsWith("::ffff:")) {
                // The JDK turns ::ffff:a.b.c.d into an IPv4 address; the range is the IPv6 one.
                prefix = new byte[16];
                prefix[10] = (byte) 0xff;
                prefix[11] = (byte) 0xff;
            }
            return new Range(prefix, Integer.parseInt(cidr.substring(slash + 1)), reason);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(cidr, e);
        }
    }
}
