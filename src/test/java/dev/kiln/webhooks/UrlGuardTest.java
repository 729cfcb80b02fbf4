package dev.kiln.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.api.ApiException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where webhooks may go: the address table, the allowlist, and the URLs refused before any lookup. */
class UrlGuardTest {

    private static UrlGuard guard(String... allowed) {
        return new UrlGuard(new WebhookSettings(
                List.of(allowed),
                Duration.ofSeconds(5),
                Duration.ofSeconds(15),
                Duration.ofDays(1),
                Duration.ofSeconds(5),
                Duration.ofHours(1),
                8,
                Duration.ofSeconds(1),
                20,
                Duration.ofDays(30)));
    }

    private static String reason(String literal) throws Exception {
        return Addresses.refusal(InetAddress.getByName(literal));
    }

    @Test
    void everyAddressThatIsNotPublicIsRefusedWithItsKind() throws Exception {
        assertThat(reason("127.0.0.1")).isEqualTo("loopback");
        assertThat(reason("127.8.9.10")).isEqualTo("loopback");
        assertThat(reason("::1")).isEqualTo("loopback");
        assertThat(reason("0.0.0.0")).isEqualTo("unspecified");
        assertThat(reason("::")).isEqualTo("unspecified");
        assertThat(reason("10.1.2.3")).isEqualTo("private");
        assertThat(reason("172.16.0.1")).isEqualTo("private");
        assertThat(reason("172.31.255.255")).isEqualTo("private");
        assertThat(reason("192.168.1.1")).isEqualTo("private");
        assertThat(reason("169.254.10.10")).isEqualTo("link-local");
        assertThat(reason("fe80::1")).isEqualTo("link-local");
        assertThat(reason("fc00::1")).isEqualTo("unique-local");
        assertThat(reason("fd12:3456::1")).isEqualTo("unique-local");
        assertThat(reason("224.0.0.1")).isEqualTo("multicast");
        assertThat(reason("ff02::1")).isEqualTo("multicast");
        assertThat(reason("255.255.255.255")).isEqualTo("reserved");
        assertThat(reason("100.64.0.1")).isEqualTo("shared");
        assertThat(reason("192.0.2.1")).isEqualTo("documentation");
        assertThat(reason("2001:db8::1")).isEqualTo("documentation");
        assertThat(reason("198.18.0.1")).isEqualTo("benchmarking");
        // Cloud metadata services, by name although they are link-local, unique-local or shared.
        assertThat(reason("169.254.169.254")).isEqualTo("metadata");
        assertThat(reason("fd00:ec2::254")).isEqualTo("metadata");
        assertThat(reason("100.100.100.200")).isEqualTo("metadata");
    }

    @Test
    void ipv6FormsCarryingAnIpv4AddressAreJudgedByIt() throws Exception {
        assertThat(reason("::ffff:127.0.0.1")).as("IPv4-mapped").isEqualTo("loopback");
        assertThat(reason("::ffff:169.254.169.254")).isEqualTo("metadata");
        assertThat(reason("::127.0.0.1")).as("IPv4-compatible").isEqualTo("reserved");
        assertThat(reason("64:ff9b::a00:1")).as("NAT64 of 10.0.0.1").isEqualTo("private");
        assertThat(reason("64:ff9b::7f00:1")).as("NAT64 of 127.0.0.1").isEqualTo("loopback");
        assertThat(reason("64:ff9b::808:808")).as("NAT64 of 8.8.8.8").isNull();
        assertThat(reason("2002:a9fe:a9fe::1")).as("6to4 of 169.254.169.254").isEqualTo("metadata");
        assertThat(reason("2002:808:808::1")).as("6to4 of 8.8.8.8").isNull();
    }

    @Test
    void publicAddressesPass() throws Exception {
        assertThat(reason("8.8.8.8")).isNull();
        assertThat(reason("1.1.1.1")).isNull();
        assertThat(reason("172.32.0.1")).as("just past 172.16/12").isNull();
        assertThat(reason("2606:4700:4700::1111")).isNull();
    }

    @Test
    void aRefusedUrlIsAProblemNamingTheFieldHostAndReason() {
        assertThatThrownBy(() -> guard().check("url", "http://127.0.0.1:9/hook"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code().code()).isEqualTo("url_not_allowed");
                    assertThat(e.properties())
                            .containsEntry("field", "url")
                            .containsEntry("host", "127.0.0.1")
                            .containsEntry("reason", "loopback");
                });
        assertThatThrownBy(() -> guard().check("callbackUrl", "http://localhost/"))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.properties()).containsEntry("reason", "loopback"));
        assertThatThrownBy(() -> guard().check("url", "https://[fd00:ec2::254]/latest/meta-data"))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.properties()).containsEntry("reason", "metadata"));
    }

    @Test
    void anAllowlistEntryOpensThatHostAsWrittenAndOnlyThat() throws Exception {
        UrlGuard anyPort = guard("127.0.0.1");
        UrlGuard onePort = guard("127.0.0.1:8080", "[::1]:9000", "hooks.internal");
        assertThat(anyPort.check("url", "http://127.0.0.1:1234/x")).isEqualTo("http://127.0.0.1:1234/x");
        assertThat(onePort.resolve(URI.create("http://127.0.0.1:8080/"))
                        .address()
                        .getHostAddress())
                .isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> onePort.resolve(URI.create("http://127.0.0.1:8081/")))
                .isInstanceOf(UrlGuard.Refused.class);
        assertThat(onePort.resolve(URI.create("http://[::1]:9000/")).port()).isEqualTo(9000);
        // The same machine by another name is another host: not allowed.
        assertThatThrownBy(() -> anyPort.resolve(URI.create("http://localhost:1234/")))
                .isInstanceOf(UrlGuard.Refused.class);
        assertThatThrownBy(() -> anyPort.resolve(URI.create("http://127.0.0.2:1234/")))
                .isInstanceOf(UrlGuard.Refused.class);
    }

    @Test
    void aDestinationIsTheAddressCheckedWithTheNameForHostAndTls() throws Exception {
        UrlGuard.Destination to = guard("127.0.0.1").resolve(URI.create("https://127.0.0.1/a/b?c=d%20e"));
        assertThat(to.https()).isTrue();
        assertThat(to.port()).isEqualTo(443);
        assertThat(to.target()).isEqualTo("/a/b?c=d%20e");
        assertThat(to.hostHeader()).isEqualTo("127.0.0.1");
        UrlGuard.Destination v6 = guard("::1").resolve(URI.create("http://[::1]:8080"));
        assertThat(v6.target()).isEqualTo("/");
        assertThat(v6.hostHeader()).isEqualTo("[::1]:8080");
    }

    @Test
    void urlsThatAreNotPlainHttpAreRefusedBeforeAnyLookup() {
        for (String bad : List.of(
                "",
                "ftp://example.com/x",
                "file:///etc/passwd",
                "gopher://example.com",
                "/relative/path",
                "http://",
                "https://user:pass@example.com/",
                "https://example.com/#frag",
                "http://exa mple.com/",
                "https://example.com/h\ud800", // half a character: no URL can carry it
                "https://" + "a".repeat(2100) + ".com",
                "https://example.com:70000/hook",
                "http://example.com:0/",
                // Names TLS cannot send (SNI), which would fail every delivery.
                "https://example.com./hook",
                "https://" + "a".repeat(64) + ".example.com/")) {
            assertThatThrownBy(() -> UrlGuard.parse("url", bad))
                    .as(bad)
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.code().code()).isEqualTo("invalid_field");
                        assertThat(e.properties()).containsEntry("field", "url");
                    });
        }
    }

    @Test
    void aTrailingDotIsOnlyRefusedWhereTlsMustNameTheHost() {
        assertThat(UrlGuard.parse("url", "http://example.com./hook").getHost()).isEqualTo("example.com.");
        assertThat(UrlGuard.parse("url", "https://192.0.2.1:65535/").getPort()).isEqualTo(65535);
    }

    @Test
    void badAllowlistEntriesStopTheStart() {
        for (String bad : List.of("host:port", "host:0", "[::1", "a/b", "user@host")) {
            assertThatThrownBy(() -> guard(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
